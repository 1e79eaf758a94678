#!/usr/bin/env bash
# Issue 22's figures in one run, against a baseline checkout measured in the same run:
#   BASE=/path/to/old/checkout [GLIBC_DIR=/path/to/unpacked/glibc-2.39+/lib] [SECTIONS="logs-memory restart fill"] \
#     bash docs/measure/issue22-figures.sh
# BASE must hold a built cli/target/pooly.jar (mvn -B -q -DskipTests package there) and its bin/pooly.
# With GLIBC_DIR, restart and fill also run this branch under that glibc's loader
# (docs/measure/pooly-with-glibc.sh), with CLONE_INTO_CGROUP and with -Dpooly.placement=migrate.
set -uo pipefail
cd "$(dirname "$0")/../.."
. docs/measure/java.sh; export JAVA_HOME=${java%/bin/java}
B=${BASE:?set BASE to the baseline checkout}
echo "machine: $(nproc) cores, $(uname -r), host $(getconf GNU_LIBC_VERSION), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%H:%M)"
for sec in ${SECTIONS:-logs-memory restart fill}; do
  echo "== base $(git -C "$B" rev-parse --short HEAD), bin/pooly, host glibc: $sec"
  python3 docs/measure/daemon_figures.py "$B/bin/pooly" "$B/cli/target/pooly.jar" "$sec"
  echo "== this branch, bin/pooly, host glibc: $sec"
  python3 docs/measure/daemon_figures.py "$PWD/bin/pooly" "$PWD/cli/target/pooly.jar" "$sec"
  if [ -n "${GLIBC_DIR:-}" ] && [ "$sec" != logs-memory ]; then
    export GLIBC_DIR
    echo "== this branch, $GLIBC_DIR loader (clone_into_cgroup): $sec"
    python3 docs/measure/daemon_figures.py "$PWD/docs/measure/pooly-with-glibc.sh" "$PWD/cli/target/pooly.jar" "$sec"
    echo "== this branch, $GLIBC_DIR loader, -Dpooly.placement=migrate: $sec"
    POOLY_JAVA_EXTRA=-Dpooly.placement=migrate python3 docs/measure/daemon_figures.py "$PWD/docs/measure/pooly-with-glibc.sh" "$PWD/cli/target/pooly.jar" "$sec"
  fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%H:%M)"
