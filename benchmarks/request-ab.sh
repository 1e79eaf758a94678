#!/usr/bin/env bash
# The request comparison of two builds, back to back (issue 24): RequestAbHarness (raw pipe, held
# lease and full lease cycle interleaved in one JVM, and in newer jars the raw pipe to a cat in a
# session of its own) alternately from OLD and NEW shaded benchmark
# jars, each run in a JVM of its own, the order swapped every round; one line per run.
#
#   benchmarks/request-ab.sh OLD.jar NEW.jar [ROUNDS] [SECONDS] [PREFIX...]
#   benchmarks/request-ab.sh /tmp/old/benchmarks.jar benchmarks/target/benchmarks.jar 4 10
#   benchmarks/request-ab.sh OLD.jar NEW.jar 4 10 taskset -c 1    # JVM and cat on one CPU
#
# PREFIX runs in front of java (taskset, nice). Needs a JDK >= 21 (JAVA_HOME, else the newest under
# /usr/lib/jvm) and bc.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,10p' "$0" >&2; exit 2; }
old=$1; new=$2; rounds=${3:-4}; secs=${4:-10}; shift $(( $# < 4 ? $# : 4 ))

. "$(dirname "$0")/../docs/measure/java.sh"

for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) = 1 ]; then order="old new"; else order="new old"; fi
  for which in $order; do
    jar=$old; [ "$which" = new ] && jar=$new
    out=$("$@" "$java" --enable-native-access=ALL-UNNAMED -Xms512m -Xmx512m -cp "$jar" dev.pooly.benchmarks.RequestAbHarness "$secs" 2>/dev/null | grep '=')
    v() { echo "$out" | sed -n "s/^$1=//p"; }
    w=$(v rawPipeWrapped.p50); w=${w:-}   # absent from jars before the wrapped path was added
    printf '%s round %d load %s | p50 us: raw %s held %s pooled %s wrapped %s | held/raw %.2f pooled/raw %.2f' \
      "$which" "$r" "$(cut -d' ' -f1 /proc/loadavg)" "$(v rawPipe.p50)" "$(v pooledLeaseHeld.p50)" "$(v pooled.p50)" "${w:--}" \
      "$(echo "$(v pooledLeaseHeld.p50) / $(v rawPipe.p50)" | bc -l)" "$(echo "$(v pooled.p50) / $(v rawPipe.p50)" | bc -l)"
    [ -n "$w" ] && printf ' held/wrapped %.2f pooled/wrapped %.2f' "$(echo "$(v pooledLeaseHeld.p50) / $w" | bc -l)" "$(echo "$(v pooled.p50) / $w" | bc -l)"
    printf ' | p90 us: raw %s held %s pooled %s\n' "$(v rawPipe.p90)" "$(v pooledLeaseHeld.p90)" "$(v pooled.p90)"
  done
done
