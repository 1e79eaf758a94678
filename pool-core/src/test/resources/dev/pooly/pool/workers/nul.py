# A NUL-framed worker: each request is bytes up to a NUL; the answer is them upper-cased, then a NUL.
import sys
inp, out = sys.stdin.buffer, sys.stdout.buffer
buf = b''
while True:
    chunk = inp.read1(65536)
    if not chunk:
        break
    buf += chunk
    while b'\0' in buf:
        request, buf = buf.split(b'\0', 1)
        out.write(request.upper() + b'\0')
        out.flush()
