#!/bin/sh
# Line-protocol worker in POSIX sh: answers each request line with the line itself.
# Usage: echo.sh [--ready]   --ready prints READY as the first stdout line.
# Logs go to stderr only; exits 0 when stdin ends.
set -u

ready=no
for arg in "$@"; do
  case $arg in
    --ready) ready=yes ;;
    *)
      echo "echo.sh[$$]: unexpected argument '$arg'" >&2
      echo "usage: echo.sh [--ready]" >&2
      exit 64
      ;;
  esac
done

echo "echo.sh[$$]: started" >&2
if [ "$ready" = yes ]; then
  echo READY
fi

cr=$(printf '\r')
# "|| [ -n "$line" ]": a last line without a line break is still a request.
while IFS= read -r line || [ -n "$line" ]; do
  line=${line%"$cr"}
  # printf, not echo: echo may interpret backslashes or a leading -n in the request.
  printf '%s\n' "$line"
done

echo "echo.sh[$$]: stdin closed, exiting" >&2
exit 0
