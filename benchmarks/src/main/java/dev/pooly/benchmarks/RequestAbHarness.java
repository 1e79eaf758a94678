package dev.pooly.benchmarks;

import dev.pooly.pool.Lease;
import dev.pooly.pool.StandalonePool;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;

/**
 * The request comparison again, interleaved: the raw pipe, a held lease and the full pooled cycle
 * take turns in blocks of 50 requests in one JVM, so load that comes and goes on a shared machine
 * hits all of them alike (JMH runs them minutes apart, in different forks). Each request is timed on
 * its own; the rotation changes who goes first in every round.
 *
 * <p>A fourth path, {@code rawPipeWrapped}, is the raw pipe to a {@code cat} started in a session of
 * its own, as Pooly starts a worker ({@code setpriv ... setsid -- cat}). With the kernel's autogroup
 * scheduling a new session is a task group of its own, and when the two processes run on different
 * CPUs that alone costs the round trip about 2 us on this project's machine: the pooled paths are
 * that much slower than {@code rawPipe} before Pooly's own code costs anything.
 *
 * <p>Prints {@code PATH.p50}, {@code .p90}, {@code .p99} in microseconds and {@code PATH.n}.
 * Run: {@code java -cp benchmarks/target/benchmarks.jar dev.pooly.benchmarks.RequestAbHarness [seconds]}.
 */
public final class RequestAbHarness {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int BLOCK = 50;

    private RequestAbHarness() {}

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 20;
        RequestBenchmark.RunningCat raw = new RequestBenchmark.RunningCat();
        raw.argv = "plain";
        raw.start();
        RequestBenchmark.RunningCat wrapped = new RequestBenchmark.RunningCat();
        wrapped.argv = "wrapped";
        wrapped.start();
        StandalonePool cycled = RequestBenchmark.startCatPool();
        StandalonePool held = RequestBenchmark.startCatPool();
        Lease lease = held.checkout(TIMEOUT);
        String[] names = {"rawPipe", "pooledLeaseHeld", "pooled", "rawPipeWrapped"};
        Distribution[] d = {new Distribution(), new Distribution(), new Distribution(), new Distribution()};
        try {
            run(raw, wrapped, cycled, lease, null, Math.min(3, seconds / 3)); // warm-up, not recorded
            run(raw, wrapped, cycled, lease, d, seconds);
        } finally {
            lease.close();
            held.close();
            cycled.close();
            raw.stop();
            wrapped.stop();
        }
        for (int i = 0; i < names.length; i++) {
            System.out.printf(Locale.ROOT, "%s.p50=%.3f%n%s.p90=%.3f%n%s.p99=%.3f%n%s.n=%d%n", names[i], d[i].percentile(50) / 1e3,
                    names[i], d[i].percentile(90) / 1e3, names[i], d[i].percentile(99) / 1e3, names[i], d[i].count());
        }
    }

    /** rawPipe, pooledLeaseHeld, pooled, rawPipeWrapped: the indexes of {@code d} and of the switch below. */
    private static final int PATHS = 4;

    private static void run(RequestBenchmark.RunningCat raw, RequestBenchmark.RunningCat wrapped, StandalonePool cycled, Lease lease, Distribution[] d, double seconds) throws IOException {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        for (int round = 0; System.nanoTime() < end; round++) {
            for (int k = 0; k < PATHS; k++) {
                int path = (round + k) % PATHS;
                for (int i = 0; i < BLOCK; i++) {
                    long t0 = System.nanoTime();
                    switch (path) {
                        case 0 -> raw.roundTrip();
                        case 1 -> lease.request(RequestBenchmark.LINE, TIMEOUT);
                        case 2 -> {
                            try (Lease l = cycled.checkout(TIMEOUT)) {
                                l.request(RequestBenchmark.LINE, TIMEOUT);
                            }
                        }
                        default -> wrapped.roundTrip();
                    }
                    long t1 = System.nanoTime();
                    if (d != null) d[path].add(t1 - t0);
                }
            }
        }
    }
}
