#!/usr/bin/env python3
"""The baseline for `pooly call` start-up: docs/protocol.md in a few lines of Python.
Usage: pooly_call.py SOCKET POOL REQUEST   |   pooly_call.py SOCKET --status"""
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile("rw", encoding="utf-8")
msgs = [{"op": "status"}] if sys.argv[2] == "--status" else [{"op": "lease", "pool": sys.argv[2]}, {"line": sys.argv[3]}, {"op": "checkin"}]
f.write("".join(json.dumps(m) + "\n" for m in msgs)); f.flush()
for reply in map(json.loads, f):
    if "line" in reply: print(reply["line"])
    elif not reply.get("ok"): sys.exit(print("pooly: " + reply["error"], file=sys.stderr) or reply["code"])
    elif "pool" not in reply: print(json.dumps(reply["status"])) if "status" in reply else None; break
