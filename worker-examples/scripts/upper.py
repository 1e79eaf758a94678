#!/usr/bin/env python3
"""Line-protocol worker in Python: answers each request line upper-cased (Unicode-aware).

Usage: upper.py [--ready]   --ready prints READY as the first stdout line.
An empty request gets an empty response. Logs go to stderr only; exits 0 when stdin ends.
"""
import os
import sys

EX_USAGE = 64
EX_IOERR = 74


def log(message):
    print(f"upper.py[{os.getpid()}]: {message}", file=sys.stderr, flush=True)


def respond(line):
    # Flush every line: the caller is blocked on exactly this response, and a pipe is block-buffered.
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv):
    ready = False
    for arg in argv:
        if arg == "--ready":
            ready = True
        else:
            log(f"unexpected argument '{arg}'")
            print("usage: upper.py [--ready]", file=sys.stderr)
            return EX_USAGE

    # UTF-8 whatever the locale, like the Java workers; surrogateescape lets invalid bytes through
    # unchanged instead of crashing the worker. newline=None: \n, \r\n and \r all end a line, as
    # for Java's BufferedReader.readLine.
    sys.stdin.reconfigure(encoding="utf-8", errors="surrogateescape", newline=None)
    sys.stdout.reconfigure(encoding="utf-8", errors="surrogateescape", newline="\n")

    log("started")
    try:
        if ready:
            respond("READY")
        # readline returns as soon as a whole line has arrived; it does not wait to fill a buffer.
        for line in iter(sys.stdin.readline, ""):
            respond(line.rstrip("\n").upper())
    except BrokenPipeError:
        log("stdout closed, exiting")
        # Point stdout at /dev/null so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EX_IOERR
    log("stdin closed, exiting")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
