#!/bin/sh
# Line-protocol worker in POSIX sh: answers each request line upper-cased (ASCII letters only;
# tr in the C locale works on bytes). An empty request gets an empty response.
# Usage: upper.sh [--ready]   --ready prints READY as the first stdout line.
# Logs go to stderr only; exits 0 when stdin ends.
set -u

ready=no
for arg in "$@"; do
  case $arg in
    --ready) ready=yes ;;
    *)
      echo "upper.sh[$$]: unexpected argument '$arg'" >&2
      echo "usage: upper.sh [--ready]" >&2
      exit 64
      ;;
  esac
done

echo "upper.sh[$$]: started" >&2
if [ "$ready" = yes ]; then
  echo READY
fi

cr=$(printf '\r')
# "|| [ -n "$line" ]": a last line without a line break is still a request.
while IFS= read -r line || [ -n "$line" ]; do
  line=${line%"$cr"}
  # printf is a builtin that writes at once and tr exits after each line, so every response is
  # flushed before the next request is read.
  printf '%s\n' "$line" | LC_ALL=C tr '[:lower:]' '[:upper:]'
done

echo "upper.sh[$$]: stdin closed, exiting" >&2
exit 0
