#!/usr/bin/env bash
# Measures the CLI's figures (issue 14), side by side in one run:
#  1. start-up: `bin/pooly call cat hello` (with -s SOCKET, and with -c CONFIG, which reads the YAML
#     file for the socket) and `bin/pooly status` against a running daemon, each
#     next to the same request from docs/measure/pooly_call.py (Python, the protocol in a few
#     lines), ROUNDS rounds taken in turn; and, if BEFORE_JAR names an older pooly.jar, the same
#     commands as bin/pooly ran it before (java -jar, no options);
#  2. per line: `bin/pooly call cat < 20000-lines | cat`, best of 3, minus the same with 1 line (so
#     the start-up is not counted), against docs/measure/PingPong.java (one JVM ping-ponging lines
#     with an already running cat), and BEFORE_JAR's the same way;
#  3. the daemon's RSS with the example config: idle, and its peak while 5 x 20,000-line calls to
#     each of its pools and 30 one-line calls run at once (sampled every 0.2 s from /proc).
# The Python baseline is the system's interpreter, /usr/bin/python3 (PYTHON= another), never a
# version manager's shim: a shim (pyenv's starts ~80 ms of bash first) makes the baseline slow and
# the ratio flattering. The interpreter's own start (`$PYTHON -c pass`) is printed beside it.
# Run from the repository root after `mvn -B -DskipTests package`:
#   bash docs/measure/cli-figures.sh            # ROUNDS=20 BEFORE_JAR=/path/to/old/pooly.jar to compare
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
rounds=${ROUNDS:-20}
[ -f cli/target/pooly.jar ] || { echo "build first: mvn -B -DskipTests package" >&2; exit 1; }
. docs/measure/java.sh
export JAVA_HOME=$(dirname "$(dirname "$java")")
work=$(mktemp -d)
export POOLY_CACHE_DIR=$work/cache
daemon_pid=""
cleanup() { [ -n "$daemon_pid" ] && kill -TERM "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
ms() { awk '{printf "%.0f", $1 / 1e6}'; }
start_daemon() { # $1 = config
  bin/pooly daemon -c "$1" 2>"$work/daemon.log" &
  daemon_pid=$!
  until bin/pooly status -c "$1" >/dev/null 2>&1; do sleep 0.1; done
}
stop_daemon() { kill -TERM "$daemon_pid"; wait "$daemon_pid" || true; daemon_pid=""; }

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $("$java" -version 2>&1 | head -1), $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
cat > "$work/pooly.yaml" <<YAML
version: 1
control: {socket: pooly.sock}
logs: {dir: logs}
supervisor:
  children:
    - pool: {name: cat, command: [cat], size: 2}
YAML
python=${PYTHON:-/usr/bin/python3}
[ -x "$python" ] || { echo "no $python: set PYTHON to a Python 3 interpreter (not a shim)" >&2; exit 1; }
sock=$work/pooly.sock
start_daemon "$work/pooly.yaml"
bin/pooly call cat warm -s "$sock" >/dev/null   # creates the class-data archive (first use)

declare -A times
names=(pooly-call python-call pooly-status python-status pooly-callc python-start)
[ -n "${BEFORE_JAR:-}" ] && names+=(before-call before-status)
run() { # name command...
  local name=$1 t0 t1; shift
  t0=$(now); "$@" >/dev/null; t1=$(now)
  times[$name]+="$((t1 - t0)) "
}
for _ in $(seq 1 "$rounds"); do
  run pooly-call bin/pooly call cat hello -s "$sock"
  run pooly-callc bin/pooly call cat hello -c "$work/pooly.yaml"
  run python-start "$python" -c pass
  run python-call "$python" docs/measure/pooly_call.py "$sock" cat hello
  run pooly-status bin/pooly status -s "$sock"
  run python-status "$python" docs/measure/pooly_call.py "$sock" --status
  if [ -n "${BEFORE_JAR:-}" ]; then
    run before-call "$java" -jar "$BEFORE_JAR" call cat hello -s "$sock"
    run before-status "$java" -jar "$BEFORE_JAR" status -s "$sock"
  fi
done
declare -A med
for n in "${names[@]}"; do med[$n]=$(tr ' ' '\n' <<<"${times[$n]}" | grep . | median); done
med[python-callc]=${med[python-call]}
echo "start-up, median wall of $rounds rounds taken in turn (ms), and the ratio to the Python client ($python, $(ms <<<"${med[python-start]}") ms for \`$python -c pass\`):"
for kind in call callc status; do
  for who in pooly before; do
    [ -n "${med[$who-$kind]:-}" ] || continue
    printf '  %-14s %6s ms   python %5s ms   ratio %.2f\n' "$who ${kind/callc/call -c}" "$(ms <<<"${med[$who-$kind]}")" \
      "$(ms <<<"${med[python-$kind]}")" "$(awk -v a="${med[$who-$kind]}" -v b="${med[python-$kind]}" 'BEGIN {print a / b}')"
  done
done

seq 1 20000 > "$work/lines"
echo 1 > "$work/one"
best_of_3() { # input command...
  local input=$1 best=999999999999 t0 t1; shift
  for _ in 1 2 3; do t0=$(now); "$@" < "$input" | cat >/dev/null; t1=$(now); [ $((t1 - t0)) -lt "$best" ] && best=$((t1 - t0)); done
  echo "$best"
}
per_line() { # command... : marginal microseconds per line
  local all one
  all=$(best_of_3 "$work/lines" "$@")
  one=$(best_of_3 "$work/one" "$@")
  awk -v a="$all" -v o="$one" 'BEGIN {printf "%.2f", (a - o) / 19999 / 1000}'
}
call_us=$(per_line bin/pooly call cat -s "$sock")
[ -n "${BEFORE_JAR:-}" ] && before_us=$(per_line "$java" -jar "$BEFORE_JAR" call cat -s "$sock")
stop_daemon
direct_us=$("$java" docs/measure/PingPong.java 20000)
ratio() { awk -v a="$1" -v b="$direct_us" 'BEGIN {printf "%.2f", a / b}'; }
echo "per line, 20,000 lines through stdin and stdout pipes: pooly call ${call_us} us (ratio $(ratio "$call_us"))${before_us:+, before ${before_us} us (ratio $(ratio "$before_us"))}; direct ping-pong ${direct_us} us"

# The example config, its relative paths made absolute so that it runs from here.
sed -e "s#\.\./\.\./pooly.sock#$work/example.sock#" -e "s#\.\./\.\./logs#$work/logs#" -e "s#cwd: \.\./\.\.#cwd: $root#" \
  config/examples/pooly.yaml > "$work/example.yaml"
start_daemon "$work/example.yaml"
until bin/pooly status --json -s "$work/example.sock" | grep -q '"idle" : 2'; do sleep 0.2; done
sleep 2
idle_kb=$(awk '/VmRSS/ {print $2}' "/proc/$daemon_pid/status")
( while kill -0 "$daemon_pid" 2>/dev/null; do awk '/VmRSS/ {print $2}' "/proc/$daemon_pid/status"; sleep 0.2; done ) > "$work/rss" 2>/dev/null &
sampler=$!
load=()
for _ in 1 2 3 4 5; do
  for p in upper shout; do bin/pooly call "$p" -s "$work/example.sock" < "$work/lines" >/dev/null 2>&1 & load+=($!); done
done
for i in $(seq 1 30); do bin/pooly call chuck "$i" -s "$work/example.sock" >/dev/null 2>&1 & load+=($!); done
wait "${load[@]}" || true
sleep 1
kill "$sampler" 2>/dev/null || true
peak_kb=$(sort -n "$work/rss" | tail -1)
echo "daemon with the example config (bin/pooly's options${POOLY_JAVA_OPTS+, POOLY_JAVA_OPTS=\"$POOLY_JAVA_OPTS\"}): idle RSS $((idle_kb / 1024)) MB; peak under load $((peak_kb / 1024)) MB"
