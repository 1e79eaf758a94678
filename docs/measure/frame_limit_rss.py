#!/usr/bin/env python3
"""Issue 20's figure: a 20 MB frame sent to a pool with `max: 1MiB` is refused once the limit is
passed, without the daemon buffering the rest (daemon RSS grows by less than 2x max).

Usage: frame_limit_rss.py POOLY JAR [ROUNDS]
  POOLY  the bin/pooly launcher to run the daemon with (its JVM options are part of what is measured)
  JAR    the pooly.jar it runs (POOLY_JAR)
One daemon, two pools of `cat` with `framing: {kind: packet, size: 4}`: `small` with `max: 1MiB` and,
as the baseline in the same run, `large` with the default `max: 16MiB`. Per round and pool: a lease
session, then one `{"frame_base64":"...` message of a 20,000,000-byte frame (26.7 MB of base64)
streamed in 64 KiB writes; the daemon's VmRSS is sampled every 5 ms from the lease's grant until
the refusal arrives. Prints key=value lines: RSS before, peak growth per pool (max over ROUNDS,
default 3), the bytes the client could write before the daemon stopped reading, and the refusal.
"""
import json, os, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_figures import Daemon  # noqa: E402

FRAME = 20_000_000
CHUNK = 64 * 1024


def send_frame(daemon, pool):
    """One oversized frame message; returns (peak RSS growth MB, bytes written, refusal)."""
    s = daemon.connect()
    f = s.makefile("rb")
    s.sendall((json.dumps({"op": "lease", "pool": pool}) + "\n").encode())
    grant = json.loads(f.readline())
    assert grant.get("ok"), grant
    base = daemon.rss_mb()
    peak = [base]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], daemon.rss_mb())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    written = 0
    chunk = b"A" * CHUNK
    total = (FRAME + 2) // 3 * 4
    try:
        s.sendall(b'{"frame_base64":"')
        while written < total:
            n = min(CHUNK, total - written)
            s.sendall(chunk[:n])
            written += n
        s.sendall(b'"}\n')
    except OSError:
        pass  # the daemon closed the connection after refusing: what a client over the limit sees
    refusal = json.loads(f.readline() or b"null")
    done.set()
    sampler.join()
    s.close()
    return peak[0] - base, written, refusal


def main():
    pooly, jar = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    d = Daemon(pooly, jar, """version: 1
control: {socket: pooly.sock}
logs: {dir: logs}
supervisor:
  children:
    - pool: {name: small, command: [cat], framing: {kind: packet, size: 4, max: 1MiB}}
    - pool: {name: large, command: [cat], framing: {kind: packet, size: 4}}
""")
    time.sleep(2)  # let the JVM settle after start (JIT, first collections): growth is measured from here
    print(f"rss_before_mb={d.rss_mb():.1f}")
    for pool, mx in (("small", 1 << 20), ("large", 16 << 20)):
        growth, written, refusal = [], [], None
        for _ in range(rounds):
            g, w, refusal = send_frame(d, pool)
            growth.append(g)
            written.append(w)
        print(f"{pool}_max_bytes={mx}")
        print(f"{pool}_rss_growth_mb_max={max(growth):.1f} (rounds: {', '.join(f'{g:.1f}' for g in growth)})")
        print(f"{pool}_growth_over_max={max(growth) * (1 << 20) / mx:.2f}")
        print(f"{pool}_client_wrote_bytes={max(written)}")
        print(f"{pool}_refusal={json.dumps(refusal)}")
    print(f"rss_after_mb={d.rss_mb():.1f}")
    d.stop()


if __name__ == "__main__":
    main()
