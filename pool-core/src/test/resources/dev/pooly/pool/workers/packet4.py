# A worker speaking {packet, 4}: each request is 4 bytes of big-endian length then the payload; it
# answers with the payload reversed, PONG to PING, and misbehaves on request: "surplus" (two answers),
# "huge" (announces 10,000,000 bytes), "cut" (half a frame, then exits).
import struct, sys
inp, out = sys.stdin.buffer, sys.stdout.buffer

def frame(b):
    return struct.pack('>I', len(b)) + b

while True:
    head = inp.read(4)
    if len(head) < 4:
        break
    payload = inp.read(struct.unpack('>I', head)[0])
    if payload == b'PING':
        out.write(frame(b'PONG'))
    elif payload == b'surplus':
        out.write(frame(b'a') + frame(b'b'))
    elif payload == b'huge':
        out.write(struct.pack('>I', 10_000_000) + b'x' * 100)
    elif payload == b'cut':
        out.write(struct.pack('>I', 10) + b'abc')
        out.flush()
        sys.exit(3)
    else:
        out.write(frame(payload[::-1]))
    out.flush()
