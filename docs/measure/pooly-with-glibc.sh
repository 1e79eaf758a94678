#!/usr/bin/env bash
# Runs `pooly daemon` under another glibc's loader, as bin/pooly would run it (same JVM options):
# how the CLONE_INTO_CGROUP path (glibc >= 2.39) was measured on a host whose own glibc is older.
#   GLIBC_DIR=/tmp/trixie/root/usr/lib/x86_64-linux-gnu POOLY_JAR=cli/target/pooly.jar \
#     docs/measure/pooly-with-glibc.sh daemon -c pooly.yaml
# GLIBC_DIR: an unpacked libc6 (e.g. `apt-get download libc6` from Debian trixie, `dpkg-deb -x`).
# Only the daemon's JVM uses it; the children it spawns exec with the host's own loader.
set -euo pipefail
. "$(dirname "$0")/java.sh"
home=${java%/bin/java}
exec "$GLIBC_DIR/ld-linux-x86-64.so.2" --library-path "$GLIBC_DIR:$home/lib:$home/lib/server" "$java" \
  -XX:+UseSerialGC -Xms8m -Xmx256m -XX:MaxHeapFreeRatio=20 -XX:MinHeapFreeRatio=5 -Xss512k \
  -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=32m -XX:MaxMetaspaceSize=128m \
  ${POOLY_JAVA_EXTRA:-} -jar "$POOLY_JAR" "$@"
