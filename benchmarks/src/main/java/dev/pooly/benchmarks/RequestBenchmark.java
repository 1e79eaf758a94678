package dev.pooly.benchmarks;

import dev.pooly.pool.Lease;
import dev.pooly.pool.PoolSpec;
import dev.pooly.pool.Pools;
import dev.pooly.pool.StandalonePool;
import dev.pooly.supervisor.ProcessSpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.zeroturnaround.exec.ProcessExecutor;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One request to an external program: a 100-byte line to {@code cat} and its echo back.
 * <ul>
 *   <li>{@code pooled}: Pooly's checkout, {@link Lease#request}, checkin, on a pool of one {@code cat}
 *       started with {@link Pools#start} (real supervised worker process);</li>
 *   <li>{@code pooledLeaseHeld}: only {@link Lease#request} on a lease checked out once for the whole
 *       trial: the request path without checkout, checkin and lease creation;</li>
 *   <li>{@code rawPipe}: the floor, the same line written to an already running {@code cat} from
 *       this JVM through the JDK's pipe streams, the echo read back; no pool, no strings;</li>
 *   <li>{@code spawnZtExec} and {@code spawnProcessBuilder}: a new {@code cat} per request, fed the
 *       line on stdin, its output read to EOF, the exit awaited.</li>
 * </ul>
 * Single caller. Sample mode, so the report has p50 and p99.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
public class RequestBenchmark {
    /** 100 bytes of payload; a newline ends it on the wire. */
    static final String LINE = "0123456789".repeat(10);
    static final byte[] LINE_BYTES = (LINE + "\n").getBytes(StandardCharsets.US_ASCII);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** A pool of one {@code cat}, as a user would start it. */
    @State(Scope.Benchmark)
    public static class PooledCat {
        StandalonePool pool;

        @Setup(Level.Trial)
        public void start() throws InterruptedException {
            pool = startCatPool();
        }

        @TearDown(Level.Trial)
        public void stop() {
            pool.close();
        }
    }

    /** A pool of one {@code cat} whose worker stays checked out for the whole trial. */
    @State(Scope.Benchmark)
    public static class LeasedCat {
        StandalonePool pool;
        Lease lease;

        @Setup(Level.Trial)
        public void start() throws InterruptedException {
            pool = startCatPool();
            lease = pool.checkout(TIMEOUT);
        }

        @TearDown(Level.Trial)
        public void stop() {
            lease.close();
            pool.close();
        }
    }

    static StandalonePool startCatPool() throws InterruptedException {
        StandalonePool pool = Pools.start(PoolSpec.of("cat", ProcessSpec.of("cat", "cat"), 1, 0));
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (pool.status().idle() < 1) {
            if (System.nanoTime() - deadline > 0) throw new IllegalStateException("the cat pool never became ready: " + pool.status());
            Thread.sleep(1);
        }
        return pool;
    }

    /** One {@code cat} started up front with the JDK; its pipes used directly. */
    @State(Scope.Benchmark)
    public static class RunningCat {
        /** {@code plain}: {@code cat}; {@code wrapped}: the argv Pooly execs, {@code setpriv --pdeathsig KILL -- setsid -- cat}. */
        @Param({"plain", "wrapped"})
        public String argv;

        Process cat;
        OutputStream stdin;
        InputStream stdout;
        final byte[] buf = new byte[8192];

        @Setup(Level.Trial)
        public void start() throws IOException {
            List<String> command = switch (argv) {
                case "plain" -> List.of("cat");
                case "wrapped" -> List.of("setpriv", "--pdeathsig", "KILL", "--", "setsid", "--", "cat");
                default -> throw new IllegalArgumentException("argv is plain or wrapped, not " + argv);
            };
            cat = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            stdin = cat.getOutputStream();
            stdout = cat.getInputStream();
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            cat.destroyForcibly();
            cat.waitFor();
        }

        /** Writes the line and reads up to and including the echoed newline; answers the bytes read. */
        int roundTrip() throws IOException {
            stdin.write(LINE_BYTES);
            stdin.flush();
            int have = 0;
            while (true) {
                int n = stdout.read(buf, have, buf.length - have);
                if (n < 0) throw new IOException("cat closed its stdout");
                have += n;
                if (buf[have - 1] == '\n') return have;
            }
        }
    }

    @Benchmark
    public String pooled(PooledCat cat) {
        try (Lease lease = cat.pool.checkout(TIMEOUT)) {
            return check(lease.request(LINE, TIMEOUT));
        }
    }

    @Benchmark
    public String pooledLeaseHeld(LeasedCat cat) {
        return check(cat.lease.request(LINE, TIMEOUT));
    }

    @Benchmark
    public int rawPipe(RunningCat cat) throws IOException {
        int n = cat.roundTrip();
        if (n != LINE_BYTES.length) throw new IllegalStateException("raw pipe: read " + n + " bytes, expected " + LINE_BYTES.length);
        return n;
    }

    @Benchmark
    public String spawnZtExec() throws Exception {
        String out = new ProcessExecutor().command("cat")
                .redirectInput(new ByteArrayInputStream(LINE_BYTES))
                .readOutput(true)
                .execute()
                .outputUTF8();
        return check(out.strip());
    }

    @Benchmark
    public String spawnProcessBuilder() throws Exception {
        Process cat = new ProcessBuilder("cat").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (OutputStream in = cat.getOutputStream()) {
            in.write(LINE_BYTES);
        }
        byte[] out;
        try (InputStream stdout = cat.getInputStream()) {
            out = stdout.readAllBytes();
        }
        cat.waitFor();
        return check(new String(out, 0, out.length - 1, StandardCharsets.US_ASCII));
    }

    private static String check(String reply) {
        if (!LINE.equals(reply)) throw new IllegalStateException("wrong echo: '" + reply + "'");
        return reply;
    }
}
