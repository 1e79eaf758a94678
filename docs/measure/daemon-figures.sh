#!/usr/bin/env bash
# Measures the daemon's figures (issue 4): per-line cost of `pooly call` against a `cat` pool versus
# a direct ping-pong with `cat` from one JVM, and a pool of 1,000 `cat` workers: time until all are
# idle, daemon RSS and threads. Run from the repository root after `mvn -B -DskipTests package`:
#   bash docs/measure/daemon-figures.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
jar=$root/cli/target/pooly.jar
[ -f "$jar" ] || { echo "build first: mvn -B -DskipTests package" >&2; exit 1; }
. docs/measure/java.sh
work=$(mktemp -d)
daemon_pid=""
cleanup() { [ -n "$daemon_pid" ] && kill -TERM "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
# Through bin/pooly, with its JVM options for the daemon and for clients, as users run it.
export POOLY_JAR=$jar JAVA_HOME=${java%/bin/java} POOLY_CACHE_DIR=$work/cache
pooly() { local cmd=$1; shift; "$root/bin/pooly" "$cmd" -s "$work/pooly.sock" "$@"; }
start_daemon() { # $1 = pool size
  cat > "$work/pooly.yaml" <<YAML
version: 1
control: {socket: pooly.sock}
logs: {dir: logs}
supervisor:
  children:
    - pool: {name: cat, command: [cat], size: $1, max_overflow: 0}
YAML
  "$root/bin/pooly" daemon -c "$work/pooly.yaml" 2>"$work/daemon.log" &
  daemon_pid=$!
  until pooly status --json >/dev/null 2>&1; do sleep 0.05; done
}
stop_daemon() { kill -TERM "$daemon_pid"; wait "$daemon_pid" || true; daemon_pid=""; }
best_of_3() { # prints the fastest of three runs of "$@" in seconds
  local best=999999
  for _ in 1 2 3; do
    local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N)
    best=$(python3 -c "print(min($best, $t1 - $t0))")
  done
  echo "$best"
}

echo "machine: $(nproc) cores, $("$java" -version 2>&1 | head -1), $(date -u +%Y-%m-%d)"
seq 1 20000 > "$work/lines"
echo 1 > "$work/one"
start_daemon 1
call_lines() { pooly call cat < "$1"; }
t_one=$(best_of_3 call_lines "$work/one")
t_all=$(best_of_3 call_lines "$work/lines")
stop_daemon
direct_us=$("$java" "$root/docs/measure/PingPong.java" 20000)
call_us=$(python3 -c "print(round(($t_all - $t_one) / 19999 * 1e6, 2))")
echo "pooly call, 20,000 lines: ${t_all}s total, ${t_one}s for 1 line; marginal per line: ${call_us} us"
echo "direct ping-pong with cat from one JVM: ${direct_us} us per line"
python3 -c "print('ratio pooly call / direct ping-pong: %.2f (goal <= 2)' % ($call_us / $direct_us))"

t0=$(date +%s.%N)
start_daemon 1000
until [ "$(pooly status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pools"][0]["idle"])')" = 1000 ]; do sleep 0.1; done
t1=$(date +%s.%N)
rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$daemon_pid/status)
threads=$(awk '/Threads/ {print $2}' /proc/$daemon_pid/status)
python3 -c "print('pool of 1,000 cat workers: all idle %.1f s after the daemon started (goal < 15 s); daemon RSS %d MB (goal < 400 MB); %d threads' % ($t1 - $t0, $rss_kb / 1024, $threads))"
t0=$(date +%s.%N); stop_daemon; t1=$(date +%s.%N)
python3 -c "print('SIGTERM to exit with 1,000 workers: %.1f s' % ($t1 - $t0))"
