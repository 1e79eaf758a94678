#!/usr/bin/env bash
# Runs Pooly's benchmark suite (issue #6) and prints a Markdown report of ratios against Stormpot,
# Commons Pool 2, a raw pipe and spawn-per-request; the report and raw JMH results go to
# benchmarks/target/results/.
#
#   benchmarks/run.sh --quick      # about 5 minutes
#   benchmarks/run.sh              # full run, about 25 minutes
#   benchmarks/run.sh --only request,restart   # sections: bookkeeping,request,restart,scale,fifo
#
# Builds the shaded jar first (mvn -pl benchmarks -am package -DskipTests) unless SKIP_BUILD=1.
# Needs a JDK >= 21 (JAVA_HOME, else the newest under /usr/lib/jvm) and util-linux's setpriv/setsid.
set -euo pipefail
cd "$(dirname "$0")/.."

java=""
for d in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
  [ -n "$d" ] && [ -x "$d/bin/java" ] && [ -f "$d/release" ] || continue
  v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$d/release")
  if [ "${v:-0}" -ge 21 ]; then java=$d/bin/java; [ "$d" = "${JAVA_HOME:-}" ] && break; fi
done
[ -n "$java" ] || { echo "run.sh: no JDK >= 21 found (set JAVA_HOME)" >&2; exit 1; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q -pl benchmarks -am package -DskipTests
fi
exec "$java" --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar dev.pooly.benchmarks.Suite --out benchmarks/target/results "$@"
