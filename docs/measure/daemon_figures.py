#!/usr/bin/env python3
"""The daemon's figures of issue 22, measured from outside through the control socket.

Usage: daemon_figures.py POOLY JAR [logs-memory] [restart] [fill]
  POOLY  the bin/pooly launcher to run the daemon with (its JVM options are part of what is measured)
  JAR    the pooly.jar it runs (POOLY_JAR)
Prints key=value lines. Everything runs in a fresh temporary directory; the daemon gets SIGTERM at
the end of each section. Needs python3 only (the client side is the protocol of docs/protocol.md).

logs-memory  a pool of one cat: log lines per 10,000 calls at the default level; daemon RSS (VmRSS,
             sampled every 20 ms) during three 20 MiB request lines without a newline and 16,000
             calls from 4 clients, the peak, and RSS 30 s after; status latency meanwhile.
restart      a supervised `sleep` (no backoff after runs >= 1 s): SIGKILL to a new pid in status, polled
             through the socket, and SIGKILL to the daemon's "started (pid N)" log line (millisecond
             time stamps, no polling), 25 times with 1.2 s between.
fill         a pool of 1,000 cat workers: daemon start to all idle, RSS, threads, SIGTERM to exit.
"""
import atexit, json, os, socket, statistics, subprocess, sys, tempfile, threading, time


class Daemon:
    def __init__(self, pooly, jar, yaml):
        self.dir = tempfile.mkdtemp(prefix="pooly-fig-")
        self.sock = os.path.join(self.dir, "pooly.sock")
        with open(os.path.join(self.dir, "pooly.yaml"), "w") as f:
            f.write(yaml)
        env = dict(os.environ, POOLY_JAR=jar, POOLY_CACHE_DIR=os.path.join(self.dir, "cache"))
        self.err = open(os.path.join(self.dir, "daemon.err"), "w+")
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen([pooly, "daemon", "-c", os.path.join(self.dir, "pooly.yaml")],
                                     cwd=self.dir, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.err)
        # A section that fails half-way still stops its daemon.
        atexit.register(lambda: self.proc.poll() is None and self.stop())
        while True:
            try:
                self.status()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise SystemExit("daemon exited: " + open(self.err.name).read())
                time.sleep(0.01)

    def connect(self):
        s = socket.socket(socket.AF_UNIX)
        s.connect(self.sock)
        return s

    def status(self):
        with self.connect() as s, s.makefile("rw", encoding="utf-8") as f:
            f.write('{"op":"status"}\n')
            f.flush()
            return json.loads(f.readline())["status"]

    def call(self, pool, line):
        with self.connect() as s, s.makefile("rw", encoding="utf-8") as f:
            f.write(json.dumps({"op": "lease", "pool": pool}) + "\n" + json.dumps({"line": line}) + '\n{"op":"checkin"}\n')
            f.flush()
            for reply in map(json.loads, f):
                if "line" in reply:
                    assert reply["line"] == line, reply
                elif not reply.get("ok"):
                    raise RuntimeError(reply)
                elif "pool" not in reply:
                    return

    def rss_mb(self):
        return self.proc_field("VmRSS") / 1024

    def proc_field(self, name):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for l in f:
                if l.startswith(name + ":"):
                    return int(l.split()[1])

    def log_lines(self):
        self.err.flush()
        with open(self.err.name) as f:
            return sum(1 for _ in f)

    def stop(self):
        t0 = time.monotonic()
        self.proc.terminate()
        self.proc.wait(60)
        return time.monotonic() - t0


def pool_yaml(size):
    return f"""version: 1
control: {{socket: pooly.sock}}
logs: {{dir: logs}}
supervisor:
  children:
    - pool: {{name: a, command: [cat], size: {size}, max_overflow: 0}}
"""


def idle(d, n):
    pools = d.status()["pools"]
    return pools and pools[0]["idle"] == n


def logs_memory(pooly, jar):
    d = Daemon(pooly, jar, pool_yaml(1))
    while not idle(d, 1):
        time.sleep(0.01)
    d.call("a", "warm")
    time.sleep(0.5)
    print(f"rss_start_mb={d.rss_mb():.0f}")
    peak = [d.rss_mb()]
    done = threading.Event()

    def sample():
        while not done.is_set():
            try:
                peak[0] = max(peak[0], d.rss_mb())
            except (OSError, TypeError):
                return
            time.sleep(0.02)
    threading.Thread(target=sample, daemon=True).start()

    # Status while the floods are sent: the worst of the replies' latencies.
    slowest = [0.0]
    flooding = threading.Event()
    flooding.set()

    def watch():
        while flooding.is_set():
            t = time.monotonic()
            d.status()
            slowest[0] = max(slowest[0], time.monotonic() - t)
            time.sleep(0.005)
    watcher = threading.Thread(target=watch)
    watcher.start()
    chunk = b"{" * (1 << 16)
    answers = []
    for _ in range(3):
        with d.connect() as s:
            try:
                for _ in range(320):  # 20 MiB, no newline
                    s.sendall(chunk)
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            reply = b""
            while True:
                try:
                    b = s.recv(65536)
                except OSError:
                    break
                if not b:
                    break
                reply += b
            answers.append(reply.decode(errors="replace").strip()[:160])
    flooding.clear()
    watcher.join()
    print("flood_answer=" + answers[0])
    print(f"status_during_flood_max_ms={slowest[0] * 1000:.1f}")
    print(f"rss_after_floods_mb={d.rss_mb():.0f}")

    before = d.log_lines()
    n, clients = 16000, 4
    errors = []

    def calls(k):
        try:
            for i in range(n // clients):
                d.call("a", f"{k}-{i}")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))
    t = time.monotonic()
    threads = [threading.Thread(target=calls, args=(k,)) for k in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    took = time.monotonic() - t
    time.sleep(1)
    lines = d.log_lines() - before
    print(f"calls={n} clients={clients} errors={len(errors)} {errors[:1]} calls_per_s={n / took:.0f}")
    print(f"log_lines_per_10000_calls={lines * 10000 / n:.1f}")
    print(f"rss_after_calls_mb={d.rss_mb():.0f}")
    time.sleep(30)
    done.set()
    print(f"rss_peak_mb={peak[0]:.0f}")
    print(f"rss_30s_after_mb={d.rss_mb():.0f}")
    d.stop()


def restart(pooly, jar):
    d = Daemon(pooly, jar, """version: 1
control: {socket: pooly.sock}
logs: {dir: logs}
supervisor:
  max_restarts: 1000
  max_seconds: 1
  children:
    - process: {id: c, command: [sleep, "100000"]}
""")

    def pid():
        for c in d.status()["tree"]["children"]:
            if c["id"] == "c":
                return c.get("pid")
    while not pid():
        time.sleep(0.01)
    st = d.status()
    print("containment=" + json.dumps({k: v for k, v in st.items() if k in ("containment", "cgroup_placement")}))
    samples, logged = [], []
    for _ in range(25):
        time.sleep(1.2)
        old = pid()
        wall = time.time()
        t = time.monotonic()
        os.kill(old, 9)
        while True:
            p = pid()
            if p and p != old:
                break
        samples.append((time.monotonic() - t) * 1000)
        # The daemon's own "started (pid N)" line, against the wall clock of the kill: no polling in it.
        with open(d.err.name) as f:
            for l in f:
                if f"started (pid {p})" in l:
                    stamp = l.split(" ", 1)[0].replace("Z", "+00:00")
                    from datetime import datetime
                    logged.append((datetime.fromisoformat(stamp).timestamp() - wall) * 1000)
    for name, xs in (("restart_kill_to_new_pid_in_status_ms", samples), ("restart_kill_to_started_log_line_ms", logged)):
        xs.sort()
        print(f"{name} p50={statistics.median(xs):.1f} min={xs[0]:.1f} max={xs[-1]:.1f} n={len(xs)}")
    d.stop()


def fill(pooly, jar):
    d = Daemon(pooly, jar, pool_yaml(1000))
    while not idle(d, 1000):
        time.sleep(0.02)
    took = time.monotonic() - d.t0
    print(f"fill_1000_s={took:.2f} rss_mb={d.rss_mb():.0f} threads={d.proc_field('Threads')}")
    print(f"stop_1000_s={d.stop():.2f}")


if __name__ == "__main__":
    pooly, jar, *sections = sys.argv[1:]
    for s in sections or ["logs-memory", "restart", "fill"]:
        {"logs-memory": logs_memory, "restart": restart, "fill": fill}[s](pooly, jar)
