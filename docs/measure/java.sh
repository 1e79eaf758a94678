# Sourced by the measurement scripts: sets $java to a JDK >= 21's java (JAVA_HOME first, else the
# newest of /usr/lib/jvm), or exits naming what is missing.
java=""
for d in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
  [ -n "$d" ] && [ -x "$d/bin/java" ] && [ -f "$d/release" ] || continue
  v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$d/release")
  if [ "${v:-0}" -ge 21 ]; then java=$d/bin/java; fi
done
[ -n "$java" ] || { echo "no JDK >= 21 found" >&2; exit 1; }
