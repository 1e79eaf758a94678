#!/bin/sh
# pooly in a PoolyImage: the image's own Java runtime runs the CLI jar. exec, so that the daemon is
# this process and signals sent to it reach the daemon. Client commands are short-lived JVMs, so they
# start with the C1 compiler and the serial collector only; POOLY_JAVA_OPTS adds JVM options.
if [ "$1" = daemon ]; then
  exec /opt/pooly/java/bin/java $POOLY_JAVA_OPTS -jar /opt/pooly/pooly.jar "$@"
fi
exec /opt/pooly/java/bin/java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC $POOLY_JAVA_OPTS -jar /opt/pooly/pooly.jar "$@"
