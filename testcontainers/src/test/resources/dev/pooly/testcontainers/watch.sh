#!/bin/sh
# GracefulStopIT's stand-in between docker and the daemon: runs `pooly daemon`, passes docker stop's
# SIGTERM on to it, and once it has exited prints its exit status and every process still alive in
# the container besides init and this script: a daemon that stops cleanly leaves none.
pooly daemon -c /pooly/pooly.yaml &
daemon=$!
terminated=no
trap 'terminated=yes; kill -TERM $daemon' TERM
wait $daemon
status=$?
# The trapped SIGTERM interrupts that wait (status 143); the second one has the daemon's own status.
if [ $terminated = yes ]; then
  wait $daemon
  status=$?
fi
survivors=
for dir in /proc/[0-9]*; do
  pid=${dir#/proc/}
  if [ "$pid" = 1 ] || [ "$pid" = $$ ]; then continue; fi
  comm=
  read -r comm < "$dir/comm" 2>/dev/null || continue
  survivors="$survivors $pid($comm)"
done
echo "watch: daemon exited $status; survivors:${survivors:- none}"
[ -f /pooly/clock.bye ] && cat /pooly/clock.bye
exit $status
