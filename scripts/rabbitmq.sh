#!/usr/bin/env bash
# Private RabbitMQ node for the EventBus RabbitMQ integration tests.
#
# Runs a RabbitMQ node that belongs to this checkout only: its own node name,
# Erlang cookie, config, data and log folders, bound to the loopback interface,
# started in the background without systemd or the Debian init script.
#
# Usage: scripts/rabbitmq.sh install|start|stop|status|env|reset
#   install  apt-get install rabbitmq-server (and the openssl CLI) unless
#            they are already installed
#   start    start the node (no-op if it already runs), provision the test
#            vhost and its two users, write the connection env file (mode 600)
#   stop     stop the node and make sure none of its processes is left
#   status   say whether the node is running (exit 0 if it is, 3 if not)
#   env      print the path of the connection env file (exit 1 if missing)
#   reset    stop the node and delete its whole state folder (data, password)
#
# Settings (environment variables, all optional):
#   EVENTBUS_RABBITMQ_DIR            state folder     (default: <repo>/.rabbitmq)
#   EVENTBUS_RABBITMQ_NODE           node name        (default: eventbus-test@localhost)
#   EVENTBUS_RABBITMQ_PORT           AMQP port        (default: 5672; dist port = +20000)
#   EVENTBUS_RABBITMQ_TLS_PORT       AMQPS port       (default: 5671)
#   EVENTBUS_RABBITMQ_EPMD_PORT      private epmd port (default: 14369)
#   EVENTBUS_RABBITMQ_START_TIMEOUT  seconds to wait for boot (default: 120)
#
# Two users, the split a deployment should make (docs/rabbitmq.md, Security):
#   eventbus-deploy  deploy time: declares and deletes the tests' exchanges and
#                    queues, reads the dead letters
#   eventbus-test    run time (what the bridge runs as): declares only an
#                    instance's own queue, publishes to the exchanges, binds its
#                    own queue, consumes the shared and its own queues; it can
#                    neither declare nor delete an exchange or a shared queue,
#                    nor read the dead letters
# Both are confined to names starting with eventbus-test- on the eventbus-tests
# vhost, and have no rights anywhere else; guest is deleted.
#
# TLS: certificates are made with openssl on the first start (and again when
# the server certificate nears its end) in <state folder>/tls: a test CA,
# an unrelated CA, a server certificate for localhost/127.0.0.1 and
# mtls.eventbus.test, an expired one presented for expired.eventbus.test
# (SNI), and a client certificate. The AMQPS listener asks for a client
# certificate and checks it against the test CA; for mtls.eventbus.test it
# requires one.
#
# The broker refuses messages above 80 MiB (max_message_size): above the .NET
# client's former 64 MiB frame limit, so that a test can prove the bridge
# dead-letters such a message instead of dropping its connection.
#
# The env file holds EVENTBUS_RABBITMQ_HOST, _PORT, _TLS_PORT, _TLS_DIR,
# _VHOST, _USER, _PASSWORD, _DEPLOY_USER and _DEPLOY_PASSWORD as plain
# KEY=VALUE lines, so both `source` and a line parser can read it.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

BASE_DIR="${EVENTBUS_RABBITMQ_DIR:-$REPO_ROOT/.rabbitmq}"
NODE_NAME="${EVENTBUS_RABBITMQ_NODE:-eventbus-test@localhost}"
AMQP_PORT="${EVENTBUS_RABBITMQ_PORT:-5672}"
TLS_PORT="${EVENTBUS_RABBITMQ_TLS_PORT:-5671}"
EPMD_PORT="${EVENTBUS_RABBITMQ_EPMD_PORT:-14369}"
START_TIMEOUT="${EVENTBUS_RABBITMQ_START_TIMEOUT:-120}"
BIND_ADDRESS="127.0.0.1"
VHOST="eventbus-tests"
TEST_USER="eventbus-test"        # run time
DEPLOY_USER="eventbus-deploy"    # deploy time
# Every test names its exchange eventbus-test-<hex>, its shared queues
# <exchange>.<name>, its instances instance-<hex> (queue <exchange>.instance-<hex>),
# and the dead letters go to <exchange>.dead-letter (exchange and queue).
RESOURCE_PREFIX='^eventbus-test-[0-9a-f]+'
MAX_MESSAGE_SIZE=$((80 * 1024 * 1024))

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
TLS_DIR="$BASE_DIR/tls"
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
    grep -qxF "RABBITMQ_MNESIA_BASE=$DATA_DIR" <<<"$(tr '\0' '\n' < "/proc/$1/environ" 2>/dev/null)"
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
    if ! command -v openssl >/dev/null 2>&1; then
      log "installing the openssl CLI (the TLS tests' certificates are made with it)"
      as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends openssl
    fi
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
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends rabbitmq-server openssl
  if [[ -n $added_policy ]]; then as_root rm -f "$policy"; trap - EXIT; fi
  is_installed || die "rabbitmq-server installed but $RABBITMQ_BIN is missing"
  log "installed rabbitmq-server $(dpkg-query -W -f='${Version}' rabbitmq-server)"
}

# The TLS material of the test node, made with openssl: kept across starts of
# the same state folder, made again when missing or when the server
# certificate ends within two days. EC P-256 keys: quick to make.
make_certificates() {
  if [[ -s $TLS_DIR/server.pem && -s $TLS_DIR/client.pem && -s $TLS_DIR/expired.pem && -s $TLS_DIR/other-ca.pem ]] &&
     openssl x509 -checkend 172800 -noout -in "$TLS_DIR/server.pem" >/dev/null 2>&1; then
    return 0
  fi
  log "making the test TLS certificates in $TLS_DIR"
  rm -rf "$TLS_DIR"
  mkdir -p "$TLS_DIR/ca-db"
  chmod 700 "$TLS_DIR"
  (
    set -e
    cd "$TLS_DIR"
    umask 077
    key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
    ca() { # $1 = file stem, $2 = common name
      key "$1.key"
      openssl req -x509 -new -key "$1.key" -out "$1.pem" -days 3650 -subj "/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    }
    leaf() { # $1 = file stem, $2 = common name, $3 = extended key usage, $4 = subjectAltName or ""
      key "$1.key"
      openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr" 2>/dev/null
      {
        echo "basicConstraints=CA:FALSE"
        echo "keyUsage=critical,digitalSignature"
        echo "extendedKeyUsage=$3"
        if [[ -n $4 ]]; then echo "subjectAltName=$4"; fi
      } > "$1.ext"
    }
    ca ca "EventBus test CA"
    ca other-ca "Unrelated test CA"   # trusted by nobody here: the wrong-CA test
    leaf server localhost serverAuth "DNS:localhost,IP:127.0.0.1,DNS:mtls.eventbus.test"
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
      -extfile server.ext -out server.pem 2>/dev/null
    leaf client eventbus-test-client clientAuth ""
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
      -extfile client.ext -out client.pem 2>/dev/null
    # `openssl x509` cannot back-date; `openssl ca` can.
    leaf expired expired.eventbus.test serverAuth "DNS:expired.eventbus.test"
    : > ca-db/index.txt
    echo 1000 > ca-db/serial
    printf '%s\n' '[ca]' 'default_ca = test_ca' '[test_ca]' 'database = ca-db/index.txt' \
      'serial = ca-db/serial' 'new_certs_dir = ca-db' 'default_md = sha256' 'policy = any' \
      'unique_subject = no' '[any]' 'commonName = supplied' > ca.cnf
    openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr -out expired.pem \
      -startdate 20200101000000Z -enddate 20200102000000Z -extfile expired.ext -notext >/dev/null 2>&1
    rm -f ./*.csr ./*.ext ca.cnf ca.srl
    rm -rf ca-db
    # Public parts readable by the test process; keys stay 600.
    chmod 644 ./*.pem
  ) || die "could not make the TLS certificates in $TLS_DIR"
}

# An Erlang string literal of a path.
erl_string() { local s="${1//\\/\\\\}"; s="${s//\"/\\\"}"; printf '"%s"' "$s"; }

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
  local tls_listener=""
  if ! command -v openssl >/dev/null 2>&1; then
    # Without TLS the other tests still run; the TLS tests fail saying why.
    log "warning: openssl is not installed, so the node gets no TLS listener (run: $0 install)"
    rm -rf "$TLS_DIR"
    echo '[].' > "$CONF_DIR/advanced.config"
  else
    make_certificates
    tls_listener="listeners.ssl.default = $BIND_ADDRESS:$TLS_PORT"
    # TLS options live here rather than in rabbitmq.conf: per-name (SNI)
    # certificates and peer checks have no rabbitmq.conf keys.
    cat > "$CONF_DIR/advanced.config" <<EOF
%% Generated by scripts/rabbitmq.sh; rewritten on every start.
[{rabbit, [
  {ssl_options, [
    {cacertfile, $(erl_string "$TLS_DIR/ca.pem")},
    {certfile, $(erl_string "$TLS_DIR/server.pem")},
    {keyfile, $(erl_string "$TLS_DIR/server.key")},
    {versions, ['tlsv1.3', 'tlsv1.2']},
    {verify, verify_peer},
    {fail_if_no_peer_cert, false},
    {sni_hosts, [
      {"expired.eventbus.test", [{certfile, $(erl_string "$TLS_DIR/expired.pem")},
                                 {keyfile, $(erl_string "$TLS_DIR/expired.key")}]},
      {"mtls.eventbus.test", [{verify, verify_peer}, {fail_if_no_peer_cert, true}]}
    ]}
  ]}
]}].
EOF
  fi
  cat > "$CONF_DIR/rabbitmq.conf" <<EOF
# Generated by scripts/rabbitmq.sh; rewritten on every start.
listeners.tcp.default = $BIND_ADDRESS:$AMQP_PORT
$tls_listener
max_message_size = $MAX_MESSAGE_SIZE
loopback_users.guest = true
log.console = false
EOF
}

# The password of a user from the env file, so that it survives restarts of the
# same state folder (clients recover their connections); else a new one.
kept_password() { # $1 = env key
  local password=""
  if [[ -s $ENV_FILE ]]; then
    password="$(sed -n "s/^$1=//p" "$ENV_FILE")"
  fi
  [[ -n $password ]] || password="$(random_string 32)"
  printf '%s' "$password"
}

ensure_user() { # $1 = user, $2 = password, $3 = existing users
  if grep -qx "$1" <<<"$3"; then
    printf '%s\n' "$2" | ctl -q change_password "$1" >/dev/null
  else
    # Password via stdin, so it never shows up in a process listing.
    printf '%s\n' "$2" | ctl -q add_user "$1" >/dev/null
  fi
  ctl -q set_user_tags "$1" >/dev/null  # no management/admin/impersonator tags
}

# Create the vhost and users (idempotent), remove guest, write the env file.
provision() {
  local password deploy_password users
  password="$(kept_password EVENTBUS_RABBITMQ_PASSWORD)"
  deploy_password="$(kept_password EVENTBUS_RABBITMQ_DEPLOY_PASSWORD)"

  users="$(ctl -q list_users --no-table-headers | cut -f1)"
  ctl -q add_vhost "$VHOST" >/dev/null   # succeeds if it already exists
  ensure_user "$DEPLOY_USER" "$deploy_password" "$users"
  ensure_user "$TEST_USER" "$password" "$users"

  # Deploy time: configure (declare, delete), write and read every test resource.
  ctl -q set_permissions -p "$VHOST" "$DEPLOY_USER" \
    "$RESOURCE_PREFIX(\\..+)?\$" "$RESOURCE_PREFIX(\\..+)?\$" "$RESOURCE_PREFIX(\\..+)?\$" >/dev/null
  # Run time. configure: an instance's own queue only. write: publish to the
  # exchange and the dead-letter exchange, bind the instance's queue. read: bind
  # to the exchange, consume the shared and the instance's queues; not the dead
  # letters (the dead-letter exchange and queue share a name, and the bridge
  # never reads or binds either).
  ctl -q set_permissions -p "$VHOST" "$TEST_USER" \
    "$RESOURCE_PREFIX\\.instance-[0-9a-f]+\$" \
    "$RESOURCE_PREFIX(\\.dead-letter|\\.instance-[0-9a-f]+)?\$" \
    "$RESOURCE_PREFIX(\\.(?!dead-letter\$).+)?\$" >/dev/null
  # guest would be loopback-only anyway; remove it so nothing but the
  # dedicated users can log in to this node.
  if grep -qx guest <<<"$users"; then
    ctl -q delete_user guest >/dev/null
  fi

  # The TLS settings only when the running node has its listener (write_config decided).
  local tls_port="" tls_dir=""
  if grep -q '^listeners.ssl.default' "$CONF_DIR/rabbitmq.conf" 2>/dev/null; then
    tls_port="$TLS_PORT"
    tls_dir="$TLS_DIR"
  fi

  local tmp="$ENV_FILE.tmp.$$"
  (umask 077; cat > "$tmp" <<EOF
EVENTBUS_RABBITMQ_HOST=$BIND_ADDRESS
EVENTBUS_RABBITMQ_PORT=$AMQP_PORT
EVENTBUS_RABBITMQ_TLS_PORT=$tls_port
EVENTBUS_RABBITMQ_TLS_DIR=$tls_dir
EVENTBUS_RABBITMQ_VHOST=$VHOST
EVENTBUS_RABBITMQ_USER=$TEST_USER
EVENTBUS_RABBITMQ_PASSWORD=$password
EVENTBUS_RABBITMQ_DEPLOY_USER=$DEPLOY_USER
EVENTBUS_RABBITMQ_DEPLOY_PASSWORD=$deploy_password
EOF
  )
  chmod 600 "$tmp"
  mv -f "$tmp" "$ENV_FILE"
}

# Our private epmd (own port) outlives the node; stop it once it is idle.
stop_idle_epmd() {
  # Captured, then searched: under pipefail `epmd | grep -q` fails when grep exits first (SIGPIPE).
  if (rabbit_env; names=$(epmd -names 2>/dev/null || true); grep -q '^name ' <<<"$names"); then
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
      local port
      for port in "$AMQP_PORT" "$TLS_PORT"; do
        if port_in_use "$port"; then
          die "port $BIND_ADDRESS:$port is taken by another process (a system RabbitMQ? another checkout?)"
        fi
      done
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
    echo "running: $NODE_NAME (pid $(beam_pid)) on $BIND_ADDRESS:$AMQP_PORT (TLS $TLS_PORT), state in $BASE_DIR"
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
