package dev.pooly.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issue 21's call figures, from outside, against a real daemon: one call over HTTP on the Unix socket
 * (keep-alive) and over the control socket (lease, line and checkin in one write, a connection per
 * call, as {@code pooly call} sends them), each against a raw pipe round trip to {@code cat} in the
 * same JVM; the three take turns in blocks of 50, so load that comes and goes hits them alike. Then
 * {@code clients} threads call as fast as they can for {@code seconds}, over HTTP and then over the
 * control socket, with the daemon's RSS sampled from /proc every 50 ms.
 *
 * <p>The daemon is {@code POOLY} (bin/pooly) with a pool {@code echo} of 4 {@code cat} workers. The
 * load generator is plain blocking I/O on platform threads with a request written in one call and the
 * response read with one small parser (status line, {@code Content-Length}): it is not the bottleneck
 * (it prints the CPU time it used beside the daemon's during each load run).
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.pooly.benchmarks.CallsHarness bin/pooly [seconds] [clients]}.
 * Prints {@code PATH.p50}/{@code .p90}/{@code .p99} in microseconds, {@code PATH.n}, the ratios of the
 * p50s to the raw pipe's, and {@code load.http.calls_per_s}, {@code load.control.calls_per_s},
 * {@code load.*.rss_max_mb}.
 */
public final class CallsHarness {
    private static final int BLOCK = 50;
    private static final byte[] HTTP_CALL = ("POST /v1/pools/echo/call HTTP/1.1\r\nHost: pooly\r\nContent-Length: "
            + RequestBenchmark.LINE.length() + "\r\n\r\n" + RequestBenchmark.LINE).getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTROL_CALL = ("{\"op\":\"lease\",\"pool\":\"echo\"}\n{\"line\":\"" + RequestBenchmark.LINE
            + "\"}\n{\"op\":\"checkin\"}\n").getBytes(StandardCharsets.US_ASCII);

    private CallsHarness() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) throw new IllegalArgumentException("usage: CallsHarness POOLY [seconds] [clients]");
        Path pooly = Path.of(args[0]).toAbsolutePath();
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 10;
        int clients = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        Path dir = Files.createTempDirectory("pooly-calls");
        Files.writeString(dir.resolve("pooly.yaml"), """
                version: 1
                control: {socket: pooly.sock}
                http: {socket: pooly-http.sock}
                supervisor:
                  children:
                    - pool: {name: echo, command: [cat], size: 4}
                """);
        Process daemon = new ProcessBuilder(pooly.toString(), "daemon", "-c", "pooly.yaml").directory(dir.toFile())
                .redirectOutput(dir.resolve("daemon.out").toFile()).redirectError(dir.resolve("daemon.err").toFile()).start();
        RequestBenchmark.RunningCat raw = new RequestBenchmark.RunningCat();
        raw.argv = "plain";
        try {
            Path http = dir.resolve("pooly-http.sock");
            Path control = dir.resolve("pooly.sock");
            awaitReady(daemon, http, control);
            raw.start();
            Distribution[] d = {new Distribution(), new Distribution(), new Distribution()};
            String[] names = {"rawPipe", "httpKeepAlive", "controlOneWrite"};
            try (HttpConnection keepAlive = new HttpConnection(http)) {
                interleave(raw, keepAlive, control, null, Math.min(3, seconds / 3)); // warm-up, not recorded
                interleave(raw, keepAlive, control, d, seconds);
            }
            for (int i = 0; i < names.length; i++) {
                System.out.printf(Locale.ROOT, "%s.p50=%.1f%n%s.p90=%.1f%n%s.p99=%.1f%n%s.n=%d%n", names[i], d[i].percentile(50) / 1e3,
                        names[i], d[i].percentile(90) / 1e3, names[i], d[i].percentile(99) / 1e3, names[i], d[i].count());
            }
            System.out.printf(Locale.ROOT, "httpKeepAlive.ratio_p50=%.1f%ncontrolOneWrite.ratio_p50=%.1f%n",
                    (double) d[1].percentile(50) / d[0].percentile(50), (double) d[2].percentile(50) / d[0].percentile(50));
            load("http", clients, seconds, daemon.pid(), () -> {
                HttpConnection c = new HttpConnection(http);
                return new Caller() {
                    @Override public void call() throws IOException { c.call(); }
                    @Override public void close() throws IOException { c.close(); }
                };
            });
            load("control", clients, seconds, daemon.pid(), () -> new Caller() {
                @Override public void call() throws IOException { controlCall(control); }
                @Override public void close() { }
            });
        } finally {
            raw.stop();
            daemon.destroy(); // SIGTERM: the daemon drains and stops its workers
            if (!daemon.waitFor(10, TimeUnit.SECONDS)) daemon.destroyForcibly();
        }
    }

    private static void interleave(RequestBenchmark.RunningCat raw, HttpConnection http, Path control, Distribution[] d, double seconds)
            throws IOException {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        for (int round = 0; System.nanoTime() < end; round++) {
            for (int k = 0; k < 3; k++) {
                int path = (round + k) % 3;
                for (int i = 0; i < BLOCK; i++) {
                    long t0 = System.nanoTime();
                    switch (path) {
                        case 0 -> raw.roundTrip();
                        case 1 -> http.call();
                        default -> controlCall(control);
                    }
                    long t1 = System.nanoTime();
                    if (d != null) d[path].add(t1 - t0);
                }
            }
        }
    }

    private interface Caller extends AutoCloseable {
        void call() throws IOException;

        @Override void close() throws IOException;
    }

    private interface CallerFactory {
        Caller open() throws IOException;
    }

    /** {@code clients} threads calling for {@code seconds}; prints calls/s, failures and the daemon's RSS. */
    private static void load(String name, int clients, double seconds, long daemonPid, CallerFactory factory) throws Exception {
        AtomicLong calls = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            threads.add(Thread.ofPlatform().name("client-" + i).start(() -> {
                try (Caller caller = factory.open()) {
                    while (System.nanoTime() < end) {
                        caller.call();
                        calls.incrementAndGet();
                    }
                } catch (IOException | RuntimeException e) {
                    failures.incrementAndGet();
                    System.err.println(name + ": " + e);
                }
            }));
        }
        long start = System.nanoTime();
        java.time.Duration harnessCpu0 = cpu(ProcessHandle.current().pid());
        java.time.Duration daemonCpu0 = cpu(daemonPid);
        long rssMax = 0;
        while (threads.stream().anyMatch(Thread::isAlive)) {
            rssMax = Math.max(rssMax, rssKb(daemonPid));
            Thread.sleep(50);
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        double harnessCpu = (cpu(ProcessHandle.current().pid()).toNanos() - harnessCpu0.toNanos()) / 1e9;
        double daemonCpu = (cpu(daemonPid).toNanos() - daemonCpu0.toNanos()) / 1e9;
        System.out.printf(Locale.ROOT, "load.%s.clients=%d%nload.%s.calls_per_s=%.0f%nload.%s.failed_clients=%d%nload.%s.rss_max_mb=%.1f%n"
                        + "load.%s.cpu_s=harness %.1f, daemon %.1f (of %.1f s wall)%n",
                name, clients, name, calls.get() / elapsed, name, failures.get(), name, rssMax / 1024.0, name, harnessCpu, daemonCpu, elapsed);
    }

    /** The CPU time process {@code pid} has used so far (its own threads; a daemon's workers are not counted). */
    private static java.time.Duration cpu(long pid) {
        return ProcessHandle.of(pid).flatMap(p -> p.info().totalCpuDuration()).orElse(java.time.Duration.ZERO);
    }

    private static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (IOException e) {
            // The daemon is gone: the load threads will say why.
        }
        return 0;
    }

    /** One call over the control socket as {@code pooly call} makes it: a connection, one write, read to the hang-up. */
    private static void controlCall(Path socket) throws IOException {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            OutputStream out = Channels.newOutputStream(channel);
            out.write(CONTROL_CALL);
            out.flush();
            String replies = new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
            if (!replies.contains("\"line\":\"" + RequestBenchmark.LINE + "\"") || !replies.contains("\"checked_in\":true")) {
                throw new IOException("control call failed: " + replies);
            }
        }
    }

    private static void awaitReady(Process daemon, Path http, Path control) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!daemon.isAlive()) throw new IllegalStateException("the daemon exited " + daemon.exitValue());
            if (Files.exists(http) && Files.exists(control)) {
                try (HttpConnection c = new HttpConnection(http)) {
                    c.call();
                    return;
                } catch (IOException e) {
                    // Not serving yet.
                }
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the daemon did not serve calls within 60 s");
    }

    /**
     * One keep-alive HTTP/1.1 connection on the Unix socket, the load generator's client: it writes
     * {@link #HTTP_CALL} in one write and reads the status line, the headers to the blank line and
     * {@code Content-Length} bytes of body. Only what this daemon answers is understood.
     */
    private static final class HttpConnection implements AutoCloseable {
        private final SocketChannel channel;
        private final OutputStream out;
        private final InputStream in;
        private final byte[] buffer = new byte[8192];
        private int pos;
        private int end;

        HttpConnection(Path socket) throws IOException {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
            out = Channels.newOutputStream(channel);
            in = Channels.newInputStream(channel);
        }

        void call() throws IOException {
            out.write(HTTP_CALL);
            out.flush();
            String status = line();
            int length = -1;
            for (String header = line(); !header.isEmpty(); header = line()) {
                if (header.regionMatches(true, 0, "Content-Length:", 0, 15)) length = Integer.parseInt(header.substring(15).trim());
            }
            if (length < 0) throw new IOException("no Content-Length after " + status);
            byte[] body = new byte[length];
            for (int i = 0; i < length; i++) body[i] = (byte) read();
            String text = new String(body, StandardCharsets.UTF_8);
            if (!status.startsWith("HTTP/1.1 200") || !text.startsWith(RequestBenchmark.LINE)) {
                throw new IOException("HTTP call failed: " + status + " " + text);
            }
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder();
            for (int b = read(); b != '\n'; b = read()) {
                if (b != '\r') line.append((char) b);
            }
            return line.toString();
        }

        private int read() throws IOException {
            if (pos == end) {
                end = in.read(buffer, 0, buffer.length);
                pos = 0;
                if (end <= 0) throw new IOException("the daemon closed the connection");
            }
            return buffer[pos++] & 0xff;
        }

        @Override public void close() throws IOException {
            channel.close();
        }
    }
}
