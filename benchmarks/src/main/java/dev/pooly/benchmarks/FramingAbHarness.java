package dev.pooly.benchmarks;

import dev.pooly.pool.Framing;
import dev.pooly.pool.Lease;
import dev.pooly.pool.PoolSpec;
import dev.pooly.pool.StandalonePool;
import dev.pooly.supervisor.ProcessSpec;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * Framing costs (issue 20), interleaved in one JVM as {@link RequestAbHarness} does, so load on a
 * shared machine hits every path alike:
 * <ul>
 * <li>a 100-byte request and answer through a held lease of a {@code cat} pool framed {@code line}
 *     ({@link Lease#request}), {@code packet 4} and {@code content_length} ({@link Lease#requestFrame});
 *     cat echoes any bytes, so it answers every framing with the same frame;</li>
 * <li>a 1 MiB binary frame through a held lease ({@code packet 4}) of a Python worker that reads a
 *     whole packet and writes it back, against the same exchange written and read on a raw pipe to
 *     the same worker (no pool).</li>
 * </ul>
 * Prints {@code PATH.p50}, {@code .p90}, {@code .p99} in microseconds and {@code PATH.n}.
 * Run: {@code java -cp benchmarks/target/benchmarks.jar dev.pooly.benchmarks.FramingAbHarness [seconds]}.
 */
public final class FramingAbHarness {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int BLOCK = 50;
    private static final int BIG_BLOCK = 3;
    private static final String ECHO = "import struct, sys\n"
            + "i, o = sys.stdin.buffer, sys.stdout.buffer\n"
            + "while True:\n"
            + "    h = i.read(4)\n"
            + "    if len(h) < 4: break\n"
            + "    o.write(h + i.read(struct.unpack('>I', h)[0])); o.flush()\n";

    private FramingAbHarness() {}

    private static StandalonePool pool(String name, Framing framing, String... command) {
        StandalonePool pool = dev.pooly.pool.Pools.start(PoolSpec.of(name, ProcessSpec.of(name, command), 1, 0).withFraming(framing));
        try (Lease warm = pool.checkout(TIMEOUT)) {
            warm.pid(); // started and idle
        }
        return pool;
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 20;
        StandalonePool line = pool("line", Framing.line(), "cat");
        StandalonePool packet = pool("packet4", new Framing.Packet(4), "cat");
        StandalonePool contentLength = pool("content_length", new Framing.ContentLength(), "cat");
        StandalonePool big = pool("big", new Framing.Packet(4, 2L << 20), "python3", "-u", "-c", ECHO);
        Process raw = new ProcessBuilder("python3", "-u", "-c", ECHO).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Lease[] leases = {line.checkout(TIMEOUT), packet.checkout(TIMEOUT), contentLength.checkout(TIMEOUT), big.checkout(TIMEOUT)};
        String[] names = {"line100", "packet4_100", "contentLength100", "packet4_1MiB", "rawPipe_1MiB"};
        Distribution[] d = new Distribution[names.length];
        for (int i = 0; i < d.length; i++) d[i] = new Distribution();
        byte[] small = RequestBenchmark.LINE.getBytes(StandardCharsets.UTF_8);
        byte[] mib = new byte[1 << 20];
        for (int i = 0; i < mib.length; i++) mib[i] = (byte) (i * 31);
        try {
            run(leases, raw, small, mib, null, Math.min(3, seconds / 3)); // warm-up, not recorded
            run(leases, raw, small, mib, d, seconds);
        } finally {
            for (Lease l : leases) l.close();
            line.close();
            packet.close();
            contentLength.close();
            big.close();
            raw.destroy();
        }
        for (int i = 0; i < names.length; i++) {
            System.out.printf(Locale.ROOT, "%s.p50=%.3f%n%s.p90=%.3f%n%s.p99=%.3f%n%s.n=%d%n", names[i], d[i].percentile(50) / 1e3,
                    names[i], d[i].percentile(90) / 1e3, names[i], d[i].percentile(99) / 1e3, names[i], d[i].count());
        }
    }

    private static void run(Lease[] leases, Process raw, byte[] small, byte[] mib, Distribution[] d, double seconds) throws IOException {
        OutputStream rawIn = raw.getOutputStream();
        DataInputStream rawOut = new DataInputStream(raw.getInputStream());
        byte[] header = {(byte) (mib.length >>> 24), (byte) (mib.length >>> 16), (byte) (mib.length >>> 8), (byte) mib.length};
        byte[] back = new byte[4 + mib.length];
        long end = System.nanoTime() + (long) (seconds * 1e9);
        for (int round = 0; System.nanoTime() < end; round++) {
            for (int k = 0; k < 5; k++) {
                int path = (round + k) % 5;
                int n = path >= 3 ? BIG_BLOCK : BLOCK;
                for (int i = 0; i < n; i++) {
                    long t0 = System.nanoTime();
                    switch (path) {
                        case 0 -> leases[0].request(RequestBenchmark.LINE, TIMEOUT);
                        case 1 -> leases[1].requestFrame(small, TIMEOUT);
                        case 2 -> leases[2].requestFrame(small, TIMEOUT);
                        case 3 -> leases[3].requestFrame(mib, TIMEOUT);
                        default -> {
                            rawIn.write(header);
                            rawIn.write(mib);
                            rawIn.flush();
                            rawOut.readFully(back);
                        }
                    }
                    long t1 = System.nanoTime();
                    if (d != null) d[path].add(t1 - t0);
                }
            }
        }
    }

}
