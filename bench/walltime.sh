#!/usr/bin/env bash
# Wall time, from a fresh clone, of `make run` until the portal answers, and of `make test`,
# with the number of tests. Usage: bench/walltime.sh  (environment passed through to make test,
# e.g. DATABASE_URL and REDIS_URL to measure the CI configuration).
set -euo pipefail
src=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
work=$(mktemp -d)
run_pid=""
stop_run() { [ -n "$run_pid" ] && kill -- -"$run_pid" 2>/dev/null; wait "$run_pid" 2>/dev/null || true; }
trap 'stop_run; rm -rf "$work"' EXIT
git clone -q "$src" "$work/portal"
cd "$work/portal"

if curl -fs -o /dev/null http://127.0.0.1:8000/sante/; then
  echo "port 8000 is taken: stop the other server first" >&2
  exit 1
fi

start=$(date +%s.%N)
# Its own process group, so that stopping it also stops runserver's reloader child.
setsid env -u DATABASE_URL -u REDIS_URL make run > "$work/run.log" 2>&1 &
run_pid=$!
until curl -fs -o /dev/null http://127.0.0.1:8000/compte/login/; do
  if ! kill -0 $run_pid 2>/dev/null; then cat "$work/run.log" >&2; exit 1; fi
  sleep 0.2
done
end=$(date +%s.%N)
printf 'make run, fresh clone, until the login page answers: %.1f s\n' "$(echo "$end - $start" | bc)"
stop_run
run_pid=""

start=$(date +%s.%N)
make test > "$work/test.log" 2>&1 || { tail -30 "$work/test.log" >&2; exit 1; }
end=$(date +%s.%N)
printf 'make test, fresh clone (venv already built by make run): %.1f s\n' "$(echo "$end - $start" | bc)"
grep -E "passed|failed" "$work/test.log" | tail -1
