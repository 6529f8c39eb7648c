#!/usr/bin/env bash
# Private RabbitMQ node for the EventBus RabbitMQ integration tests.
#
# Runs a RabbitMQ node that belongs to this checkout only: its own node name,
# Erlang cookie, config, data and log folders, bound to the loopback interface,
# started in the background without systemd or the Debian init script.
#
# Usage: scripts/rabbitmq.sh install|start|stop|status|env|reset
#   install  apt-get install rabbitmq-server unless it is already installed
#   start    start the node (no-op if it already runs), provision the test
#            vhost and user, write the connection env file (mode 600)
#   stop     stop the node and make sure none of its processes is left
#   status   say whether the node is running (exit 0 if it is, 3 if not)
#   env      print the path of the connection env file (exit 1 if missing)
#   reset    stop the node and delete its whole state folder (data, password)
#
# Settings (environment variables, all optional):
#   EVENTBUS_RABBITMQ_DIR            state folder     (default: <repo>/.rabbitmq)
#   EVENTBUS_RABBITMQ_NODE           node name        (default: eventbus-test@localhost)
#   EVENTBUS_RABBITMQ_PORT           AMQP port        (default: 5672; dist port = +20000)
#   EVENTBUS_RABBITMQ_EPMD_PORT      private epmd port (default: 14369)
#   EVENTBUS_RABBITMQ_START_TIMEOUT  seconds to wait for boot (default: 120)
#
# The env file holds EVENTBUS_RABBITMQ_HOST, _PORT, _VHOST, _USER, _PASSWORD as
# plain KEY=VALUE lines, so both `source` and a line parser can read it.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

BASE_DIR="${EVENTBUS_RABBITMQ_DIR:-$REPO_ROOT/.rabbitmq}"
NODE_NAME="${EVENTBUS_RABBITMQ_NODE:-eventbus-test@localhost}"
AMQP_PORT="${EVENTBUS_RABBITMQ_PORT:-5672}"
EPMD_PORT="${EVENTBUS_RABBITMQ_EPMD_PORT:-14369}"
START_TIMEOUT="${EVENTBUS_RABBITMQ_START_TIMEOUT:-120}"
BIND_ADDRESS="127.0.0.1"
VHOST="eventbus-tests"
TEST_USER="eventbus-test"

# Call the real scripts, not the /usr/sbin wrappers: those `su` to the
# `rabbitmq` system user and `cd /var/lib/rabbitmq`, i.e. they drive the
# system node's cookie and folders, not ours.
RABBITMQ_BIN="/usr/lib/rabbitmq/bin"

HOME_DIR="$BASE_DIR/home"          # HOME for the server and CLI: holds the cookie
CONF_DIR="$BASE_DIR/etc"
DATA_DIR="$BASE_DIR/data"
LOG_DIR="$BASE_DIR/log"
PID_FILE="$BASE_DIR/rabbitmq.pid"  # written by the Erlang VM itself
ENV_FILE="$BASE_DIR/connection.env"
STARTUP_LOG="$LOG_DIR/startup.log" # stdout/stderr of rabbitmq-server

log() { printf 'rabbitmq.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Environment shared by the server and every CLI call. Exported only in the
# (sub)shells that run RabbitMQ tools, so the caller's shell is untouched.
rabbit_env() {
  # The Erlang cookie is read from $HOME/.erlang.cookie by both sides.
  export HOME="$HOME_DIR"
  export RABBITMQ_NODENAME="$NODE_NAME"
  # Ignore /etc/rabbitmq/rabbitmq-env.conf of a system install.
  export RABBITMQ_CONF_ENV_FILE="$CONF_DIR/rabbitmq-env.conf"
  export RABBITMQ_CONFIG_FILE="$CONF_DIR/rabbitmq.conf"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$CONF_DIR/advanced.config"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$CONF_DIR/enabled_plugins"
  export RABBITMQ_MNESIA_BASE="$DATA_DIR"
  export RABBITMQ_LOG_BASE="$LOG_DIR"
  export RABBITMQ_PID_FILE="$PID_FILE"
  export RABBITMQ_NODE_IP_ADDRESS="$BIND_ADDRESS"
  export RABBITMQ_NODE_PORT="$AMQP_PORT"
  export RABBITMQ_DIST_PORT="$((AMQP_PORT + 20000))"
  # A private epmd on a non-default port, listening on loopback only: it never
  # meets a system node's epmd, and `stop` can safely shut it down.
  export ERL_EPMD_PORT="$EPMD_PORT"
  export ERL_EPMD_ADDRESS="$BIND_ADDRESS"
  # Erlang distribution (server and the CLI's own short-lived node) on loopback.
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  # Crash dumps of the server or CLI go to our log folder, never the cwd.
  export ERL_CRASH_DUMP="$LOG_DIR/erl_crash.dump"
}

# CLI wrappers. The explicit `|| exit` matters: inside `if`/`&&` callers,
# `set -e` is off, and a CLI started from another folder without our cookie
# would create a cookie there or drop an erl_crash.dump into the cwd.
ctl() { (rabbit_env; cd "$BASE_DIR" || exit 1; "$RABBITMQ_BIN/rabbitmqctl" -n "$NODE_NAME" "$@"); }
ctl_timeout() { # $1 = seconds, then rabbitmqctl arguments
  local secs="$1"; shift
  (rabbit_env; cd "$BASE_DIR" || exit 1; timeout "$secs" "$RABBITMQ_BIN/rabbitmqctl" -n "$NODE_NAME" "$@")
}
diagnostics() { (rabbit_env; cd "$BASE_DIR" || exit 1; "$RABBITMQ_BIN/rabbitmq-diagnostics" -n "$NODE_NAME" "$@"); }

as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

is_installed() { [[ -x "$RABBITMQ_BIN/rabbitmq-server" && -x "$RABBITMQ_BIN/rabbitmqctl" ]]; }
require_installed() { is_installed || die "RabbitMQ is not installed; run: $0 install"; }

random_string() { # $1 = length; alphanumeric only, so it needs no quoting anywhere
  local out
  out="$(head -c 256 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9' || true)"
  printf '%s' "${out:0:$1}"
}

# A zombie (exited, not yet reaped) counts as dead.
pid_alive() {
  [[ -n "${1:-}" && -r "/proc/$1/stat" ]] || return 1
  local stat
  stat="$(< "/proc/$1/stat")" || return 1
  stat="${stat##*) }"
  [[ ${stat%% *} != Z ]]
}
# True if the process was started by this script for this state folder (its
# environment names our data folder), so a stale pid file whose pid has been
# reused by some other process is never waited for or killed.
ours() {
  [[ -n "${1:-}" && -r "/proc/$1/environ" ]] &&
    tr '\0' '\n' < "/proc/$1/environ" 2>/dev/null | grep -qxF "RABBITMQ_MNESIA_BASE=$DATA_DIR"
}
# The pid our VM wrote at boot, if that process is still ours; else nothing.
beam_pid() {
  local pid=""
  if [[ -s "$PID_FILE" ]]; then pid="$(tr -dc '0-9' < "$PID_FILE")"; fi
  if ours "$pid"; then printf '%s' "$pid"; fi
}

# True when our node answers. Without a live pid from our pid file (the VM
# writes it at boot) there is nothing to ask, and asking would needlessly
# start an epmd and, before the first start, a CLI node without a cookie.
node_running() {
  pid_alive "$(beam_pid)" && [[ -s "$HOME_DIR/.erlang.cookie" ]] || return 1
  diagnostics -q ping -t 10 >/dev/null 2>&1
}

port_in_use() { (exec 3<>"/dev/tcp/$BIND_ADDRESS/$1") 2>/dev/null; }

cmd_install() {
  if is_installed; then
    log "rabbitmq-server already installed ($(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null || echo unknown version))"
    return 0
  fi
  # The package's postinst would start the *system* node (all interfaces,
  # port 5672) where an init system is present. Containers usually ship a
  # policy-rc.d that forbids that; add a temporary one when there is none.
  local policy="/usr/sbin/policy-rc.d" added_policy=""
  if [[ ! -e $policy ]]; then
    as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
    added_policy=1
    trap 'as_root rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  log "installing rabbitmq-server from the Debian archive"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends rabbitmq-server
  if [[ -n $added_policy ]]; then as_root rm -f "$policy"; trap - EXIT; fi
  is_installed || die "rabbitmq-server installed but $RABBITMQ_BIN is missing"
  log "installed rabbitmq-server $(dpkg-query -W -f='${Version}' rabbitmq-server)"
}

# Our config files are rewritten on every start; data and cookie are kept.
write_config() {
  mkdir -p "$HOME_DIR" "$CONF_DIR" "$DATA_DIR" "$LOG_DIR"
  chmod 700 "$BASE_DIR" "$HOME_DIR"
  if [[ ! -s "$HOME_DIR/.erlang.cookie" ]]; then
    (umask 077; random_string 32 > "$HOME_DIR/.erlang.cookie")
  fi
  chmod 400 "$HOME_DIR/.erlang.cookie"   # Erlang refuses a group/world-readable cookie
  : > "$CONF_DIR/rabbitmq-env.conf"
  echo '[].' > "$CONF_DIR/enabled_plugins"   # no plugins: AMQP 0-9-1 only
  echo '[].' > "$CONF_DIR/advanced.config"
  cat > "$CONF_DIR/rabbitmq.conf" <<EOF
# Generated by scripts/rabbitmq.sh; rewritten on every start.
listeners.tcp.default = $BIND_ADDRESS:$AMQP_PORT
loopback_users.guest = true
log.console = false
EOF
}

# Create the vhost and user (idempotent), remove guest, write the env file.
provision() {
  local password=""
  # Keep the password across restarts of the same state folder so that clients
  # can recover their connections; `reset` makes a new one.
  if [[ -s $ENV_FILE ]]; then
    password="$(sed -n 's/^EVENTBUS_RABBITMQ_PASSWORD=//p' "$ENV_FILE")"
  fi
  [[ -n $password ]] || password="$(random_string 32)"

  local users
  users="$(ctl -q list_users --no-table-headers | cut -f1)"
  ctl -q add_vhost "$VHOST" >/dev/null   # succeeds if it already exists
  if grep -qx "$TEST_USER" <<<"$users"; then
    printf '%s\n' "$password" | ctl -q change_password "$TEST_USER" >/dev/null
  else
    # Password via stdin, so it never shows up in a process listing.
    printf '%s\n' "$password" | ctl -q add_user "$TEST_USER" >/dev/null
  fi
  ctl -q set_user_tags "$TEST_USER" >/dev/null  # no management/admin tags
  ctl -q set_permissions -p "$VHOST" "$TEST_USER" '.*' '.*' '.*' >/dev/null
  # guest would be loopback-only anyway; remove it so nothing but the
  # dedicated user can log in to this node.
  if grep -qx guest <<<"$users"; then
    ctl -q delete_user guest >/dev/null
  fi

  local tmp="$ENV_FILE.tmp.$$"
  (umask 077; cat > "$tmp" <<EOF
EVENTBUS_RABBITMQ_HOST=$BIND_ADDRESS
EVENTBUS_RABBITMQ_PORT=$AMQP_PORT
EVENTBUS_RABBITMQ_VHOST=$VHOST
EVENTBUS_RABBITMQ_USER=$TEST_USER
EVENTBUS_RABBITMQ_PASSWORD=$password
EOF
  )
  chmod 600 "$tmp"
  mv -f "$tmp" "$ENV_FILE"
}

# Our private epmd (own port) outlives the node; stop it once it is idle.
stop_idle_epmd() {
  if (rabbit_env; epmd -names 2>/dev/null | grep -q '^name '); then
    log "private epmd on port $EPMD_PORT still has registered nodes; leaving it"
  else
    (rabbit_env; epmd -kill >/dev/null 2>&1) || true
  fi
}

LAUNCHER_PID=""  # the rabbitmq-server shell wrapper, when this run started it

# Report a failed start with the log tails, and stop whatever we started.
fail_start() {
  log "error: $1"
  local pid
  pid="$(beam_pid)"
  [[ -n $pid ]] || pid="$LAUNCHER_PID"
  if pid_alive "$pid"; then
    log "stopping the half-started node (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do pid_alive "$pid" || break; sleep 0.5; done
  fi
  stop_idle_epmd
  log "---- last lines of $STARTUP_LOG ----"
  tail -n 20 "$STARTUP_LOG" >&2 2>/dev/null || true
  local node_log="$LOG_DIR/$NODE_NAME.log"
  if [[ -f $node_log ]]; then
    log "---- last lines of $node_log ----"
    tail -n 20 "$node_log" >&2
  fi
  exit 1
}

cmd_start() {
  require_installed
  if node_running; then
    log "node $NODE_NAME is already running"
  else
    if pid_alive "$(beam_pid)"; then
      log "node $NODE_NAME is still booting (pid $(beam_pid)); waiting for it"
    else
      if port_in_use "$AMQP_PORT"; then
        die "port $BIND_ADDRESS:$AMQP_PORT is taken by another process (a system RabbitMQ? another checkout?)"
      fi
      write_config
      rm -f "$PID_FILE"
      if [[ -f $STARTUP_LOG ]]; then mv -f "$STARTUP_LOG" "$STARTUP_LOG.prev"; fi
      log "starting node $NODE_NAME on $BIND_ADDRESS:$AMQP_PORT (state in $BASE_DIR)"
      # setsid + nohup: the node outlives this script and its terminal.
      (rabbit_env; cd "$BASE_DIR"; exec setsid nohup "$RABBITMQ_BIN/rabbitmq-server" \
         >>"$STARTUP_LOG" 2>&1 </dev/null) &
      LAUNCHER_PID=$!
    fi
    # await_startup fails at once while the node is not yet registered with
    # epmd, so retry it until the deadline.
    local began=$SECONDS deadline=$((SECONDS + START_TIMEOUT)) pid
    until ctl -q await_startup -t "$START_TIMEOUT" >/dev/null 2>&1; do
      pid="$(beam_pid)"
      if [[ -n $pid ]] && ! pid_alive "$pid"; then fail_start "node exited during boot"; fi
      if [[ -n $LAUNCHER_PID ]] && ! pid_alive "$LAUNCHER_PID"; then fail_start "node exited during boot"; fi
      ((SECONDS < deadline)) || fail_start "node did not come up within ${START_TIMEOUT}s"
      sleep 1
    done
    log "node $NODE_NAME is up after $((SECONDS - began))s (pid $(beam_pid))"
  fi
  provision
  log "connection settings: $ENV_FILE"
}

cmd_stop() {
  require_installed
  local pid
  pid="$(beam_pid)"
  if node_running || pid_alive "$pid"; then
    log "stopping node $NODE_NAME"
    # With the pid file, `stop` returns only once the OS process has exited.
    ctl_timeout 60 stop ${pid:+"$PID_FILE"} >/dev/null 2>&1 || true
  else
    log "node $NODE_NAME is not running"
  fi
  # Whatever happened above, leave no VM of ours behind: TERM, then KILL,
  # only the pid our own node wrote.
  if pid_alive "$pid"; then
    log "node did not stop cleanly; sending TERM to pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do pid_alive "$pid" || break; sleep 0.5; done
    if pid_alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.5; fi
  fi
  pid_alive "$pid" && die "beam process $pid is still alive"
  rm -f "$PID_FILE"
  stop_idle_epmd
  log "node $NODE_NAME is stopped"
}

cmd_status() {
  if ! is_installed; then echo "not installed"; return 3; fi
  if node_running; then
    echo "running: $NODE_NAME (pid $(beam_pid)) on $BIND_ADDRESS:$AMQP_PORT, state in $BASE_DIR"
  elif pid_alive "$(beam_pid)"; then
    echo "starting or unresponsive: $NODE_NAME (pid $(beam_pid))"; return 3
  else
    echo "stopped: $NODE_NAME"; return 3
  fi
}

cmd_env() {
  [[ -s $ENV_FILE ]] || { log "no env file yet at $ENV_FILE; run: $0 start"; echo "$ENV_FILE"; return 1; }
  echo "$ENV_FILE"
}

cmd_reset() {
  if is_installed; then cmd_stop; fi
  # Guard the rm: only a folder that looks like ours.
  if [[ -d $BASE_DIR && -d $BASE_DIR/home && ! -L $BASE_DIR ]]; then
    rm -rf -- "$BASE_DIR"
    log "removed $BASE_DIR"
  fi
}

usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"; }

case "${1:-}" in
  install) cmd_install ;;
  start)   cmd_start ;;
  stop)    cmd_stop ;;
  status)  cmd_status ;;
  env)     cmd_env ;;
  reset)   cmd_reset ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
