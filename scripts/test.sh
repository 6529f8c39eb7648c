#!/usr/bin/env bash
# Runs the whole test suite the way CI does and prints the plain summary line
# "tests: N passed, N failed", counted from the test result files (not echoed).
#
# The RabbitMQ bridge tests need a real broker: this script installs rabbitmq-server when it is
# missing (scripts/rabbitmq.sh install: root or sudo), starts the private test node before the tests,
# and stops it again at the end if this run started it.
#
# Usage: scripts/test.sh [extra dotnet test arguments]
# Environment: CONFIGURATION (default Release), NO_BUILD=1 to reuse an existing build.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

# The broker. A failure here does not stop the run: the broker tests then fail, each saying what to
# run, and the summary line still counts everything.
rabbitmq_started=0
stop_rabbitmq() {
  if [[ $rabbitmq_started -eq 1 ]]; then
    rabbitmq_started=0
    bash scripts/rabbitmq.sh stop >&2 || echo "warning: could not stop the RabbitMQ test node" >&2
  fi
}
trap stop_rabbitmq EXIT
if bash scripts/rabbitmq.sh install >&2; then
  if ! bash scripts/rabbitmq.sh status >/dev/null 2>&1; then
    rabbitmq_started=1
  fi
  bash scripts/rabbitmq.sh start >&2 || echo "warning: the RabbitMQ test node did not start; its tests will fail" >&2
else
  echo "warning: rabbitmq-server could not be installed; the RabbitMQ tests will fail" >&2
fi

configuration=${CONFIGURATION:-Release}
results="$repo/TestResults"
rm -rf "$results"

build_args=()
if [[ "${NO_BUILD:-0}" == "1" ]]; then
  build_args+=(--no-build)
fi

status=0
dotnet test EventBus.sln -c "$configuration" "${build_args[@]}" \
  --logger "trx" --results-directory "$results" \
  --blame-hang-timeout 5m "$@" || status=$?

# Stop the broker now, so that the summary below stays the last line (the trap covers early exits).
stop_rabbitmq

passed=0
failed=0
shopt -s nullglob globstar
trx_files=("$results"/**/*.trx)
for trx in "${trx_files[@]}"; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
  a=$(sed -n 's/.* aborted="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0} + ${a:-0}))
done

if [[ ${#trx_files[@]} -eq 0 ]]; then
  echo "no test results were written" >&2
  status=${status:-1}
  [[ $status -eq 0 ]] && status=1
fi
if [[ $status -ne 0 && $failed -eq 0 ]]; then
  # The run failed without a failed test being recorded (a crashed or hung test host): count it.
  failed=1
fi

echo "tests: $passed passed, $failed failed"
exit $status
