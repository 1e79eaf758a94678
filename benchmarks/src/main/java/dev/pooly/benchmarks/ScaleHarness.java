package dev.pooly.benchmarks;

import dev.pooly.pool.Lease;
import dev.pooly.pool.PoolSpec;
import dev.pooly.pool.Pools;
import dev.pooly.pool.StandalonePool;
import dev.pooly.supervisor.ProcessSpec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Scale: a pool of N (1,000) {@code cat} workers. Time from {@link Pools#start} until all are idle,
 * then this JVM's heap after GC, RSS ({@code VmRSS} of /proc/self/status), platform threads, one
 * request through every worker, and the time to shut the pool down. {@code raw} mode does the same
 * with N {@code cat}s started one after another with {@link ProcessBuilder} and no pool: the cost of
 * the processes themselves, to subtract; {@code raw-ffm} does it with bare FFM {@code posix_spawnp}
 * ({@link BareSpawn}), the floor for Pooly's own launcher.
 *
 * <p>Each mode runs in a JVM of its own so the figures do not mix. Prints {@code key=value} lines.
 * Run: {@code java -cp benchmarks/target/benchmarks.jar dev.pooly.benchmarks.ScaleHarness pooly|raw|raw-ffm [N] [shutdown cap s]}.
 */
public final class ScaleHarness {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private ScaleHarness() {}

    public static void main(String[] args) throws Throwable {
        String mode = args.length > 0 ? args[0] : "pooly";
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        Duration shutdownCap = Duration.ofSeconds(args.length > 2 ? Long.parseLong(args[2]) : 600);
        switch (mode) {
            case "pooly" -> pooly(n, shutdownCap);
            case "raw" -> raw(n);
            case "raw-ffm" -> rawFfm(n);
            default -> throw new IllegalArgumentException("mode is pooly, raw or raw-ffm, not " + mode);
        }
    }

    private static void pooly(int n, Duration shutdownCap) throws Exception {
        // Load and JIT the pool's classes with one worker first, so the deltas below are per worker.
        try (StandalonePool warm = Pools.start(PoolSpec.of("warm", ProcessSpec.of("cat", "cat"), 1, 0))) {
            try (Lease lease = warm.checkout(TIMEOUT)) {
                lease.request("warm", TIMEOUT);
            }
        }
        Snapshot before = Snapshot.take();
        long t0 = System.nanoTime();
        StandalonePool pool = Pools.start(PoolSpec.of("scale", ProcessSpec.of("cat", "cat"), n, 0));
        long serverUp = System.nanoTime();
        while (pool.status().idle() < n) {
            if (System.nanoTime() - t0 > Duration.ofMinutes(5).toNanos()) throw new IllegalStateException("not all idle after 5 min: " + pool.status());
            Thread.sleep(1);
        }
        long allIdle = System.nanoTime();
        Snapshot after = Snapshot.take();

        List<Lease> leases = new ArrayList<>(n);
        long r0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Lease lease = pool.checkout(TIMEOUT);
            leases.add(lease);
            if (!"x".equals(lease.request("x", TIMEOUT))) throw new IllegalStateException("worker " + lease.pid() + " gave a wrong echo");
        }
        long r1 = System.nanoTime();
        for (Lease lease : leases) lease.close();

        // A shutdown slower than the cap is reported as such; the JVM then halts and the kernel kills
        // the rest (parent-death signal), so a quick run stays quick.
        long s0 = System.nanoTime();
        Thread closer = Thread.ofPlatform().name("scale-close").start(pool::close);
        boolean closedInTime = closer.join(shutdownCap);
        long s1 = System.nanoTime();
        long left = ProcessHandle.current().children().count();
        Snapshot closed = closedInTime ? Snapshot.take() : null;

        out("workers", n);
        out("server_up_ms", ms(serverUp - t0));
        out("all_idle_ms", ms(allIdle - t0));
        report(before, after, n);
        out("request_each_worker_us", (r1 - r0) / 1e3 / n);
        if (closedInTime) {
            out("shutdown_ms", ms(s1 - s0));
            out("children_after_shutdown", closed.children);
            out("threads_after_shutdown", closed.threads);
        } else {
            out("shutdown_ms", "> " + shutdownCap.toMillis());
            out("shutdown_stopped_within_cap", n - left);
            System.out.flush();
            Runtime.getRuntime().halt(0);
        }
    }

    private static void raw(int n) throws Exception {
        roundTrip(new ProcessBuilder("cat").start()).destroyForcibly().waitFor(); // warm up the JDK's spawn path
        Snapshot before = Snapshot.take();
        long t0 = System.nanoTime();
        List<Process> cats = new ArrayList<>(n);
        for (int i = 0; i < n; i++) cats.add(new ProcessBuilder("cat").redirectError(ProcessBuilder.Redirect.DISCARD).start());
        long allStarted = System.nanoTime();
        Snapshot after = Snapshot.take();
        long r0 = System.nanoTime();
        for (Process cat : cats) roundTrip(cat);
        long r1 = System.nanoTime();
        long s0 = System.nanoTime();
        for (Process cat : cats) cat.destroy();
        for (Process cat : cats) cat.waitFor();
        long s1 = System.nanoTime();

        out("workers", n);
        out("all_idle_ms", ms(allStarted - t0));
        report(before, after, n);
        out("request_each_worker_us", (r1 - r0) / 1e3 / n);
        out("shutdown_ms", ms(s1 - s0));
    }

    /** As {@link #raw}, with bare FFM posix_spawnp ({@link BareSpawn}): the floor for Pooly's launcher. */
    private static void rawFfm(int n) throws Throwable {
        BareSpawn.Child warm = BareSpawn.spawn(List.of("cat"));
        BareSpawn.echo(warm, "x");
        BareSpawn.end(warm);
        Snapshot before = Snapshot.take();
        long t0 = System.nanoTime();
        List<BareSpawn.Child> cats = new ArrayList<>(n);
        for (int i = 0; i < n; i++) cats.add(BareSpawn.spawn(List.of("cat")));
        long allStarted = System.nanoTime();
        Snapshot after = Snapshot.take();
        long r0 = System.nanoTime();
        for (BareSpawn.Child cat : cats) BareSpawn.echo(cat, "x");
        long r1 = System.nanoTime();
        long s0 = System.nanoTime();
        for (BareSpawn.Child cat : cats) BareSpawn.end(cat);
        long s1 = System.nanoTime();
        out("workers", n);
        out("all_idle_ms", ms(allStarted - t0));
        report(before, after, n);
        out("request_each_worker_us", (r1 - r0) / 1e3 / n);
        out("shutdown_ms", ms(s1 - s0));
    }

    private static Process roundTrip(Process cat) throws IOException {
        OutputStream in = cat.getOutputStream();
        InputStream out = cat.getInputStream();
        in.write("x\n".getBytes());
        in.flush();
        if (out.read() != 'x' || out.read() != '\n') throw new IOException("cat " + cat.pid() + " gave a wrong echo");
        return cat;
    }

    private static void report(Snapshot before, Snapshot after, int n) {
        out("heap_before_mb", before.heapMb);
        out("heap_after_mb", after.heapMb);
        out("heap_per_worker_kb", (after.heapMb - before.heapMb) * 1024 / n);
        out("rss_before_mb", before.rssMb);
        out("rss_after_mb", after.rssMb);
        out("rss_per_worker_kb", (after.rssMb - before.rssMb) * 1024 / n);
        out("threads_before", before.threads);
        out("threads_after", after.threads);
        out("threads_per_worker", (after.threads - before.threads) / (double) n);
        out("active_count_after", after.activeCount);
        out("peak_threads", after.peakThreads);
        out("children_after", after.children);
    }

    private static double ms(long nanos) { return nanos / 1e6; }

    private static void out(String key, Object value) {
        System.out.println(key + "=" + (value instanceof Double d ? String.format(Locale.ROOT, "%.3f", d) : value));
    }

    /** What this JVM holds at one moment. */
    private record Snapshot(double heapMb, double rssMb, int threads, int peakThreads, int activeCount, long children) {
        static Snapshot take() throws IOException {
            System.gc();
            System.gc();
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            double heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1048576.0;
            return new Snapshot(heap, readRssMb(), mx.getThreadCount(), mx.getPeakThreadCount(), Thread.activeCount(),
                    ProcessHandle.current().children().count());
        }

        private static double readRssMb() throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
            }
            return Double.NaN;
        }
    }
}
