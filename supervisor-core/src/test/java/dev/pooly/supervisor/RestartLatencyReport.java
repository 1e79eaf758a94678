package dev.pooly.supervisor;

import dev.pooly.testing.Pids;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A measurement, not a test of a bound: how long a restart takes from SIGKILL of a {@code cat}
 * child to the {@link SupervisionEvent.Started} event of its replacement, next to what spawning
 * {@code cat} costs the JVM at all (ProcessBuilder.start until the process is alive), bare and in
 * the {@code setpriv --pdeathsig KILL -- setsid --} wrapper the launcher uses.
 *
 * <p>Not run by default (surefire only picks up {@code *Test}). Run it with
 * {@code mvn -B -q -pl supervisor-core test -Dtest=RestartLatencyReport -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code -Dlatency.n=500} for more rounds).
 */
@Tag("report")
class RestartLatencyReport {

    private static final int ROUNDS = Integer.getInteger("latency.n", 200);
    private static final int WARMUP = 20;
    private static final List<String> WRAPPED_CAT = List.of("setpriv", "--pdeathsig", "KILL", "--", "setsid", "--", "cat");

    @Test
    void report() throws Exception {
        Result r = measure(ROUNDS);
        System.out.println(r);
        assertThat(r.restart).hasSize(ROUNDS);
    }

    public static void main(String[] args) throws Exception {
        System.out.println(measure(args.length > 0 ? Integer.parseInt(args[0]) : ROUNDS));
    }

    record Result(long[] restart, long[] bare, long[] wrapped, long[] restartMinusBare) {
        @Override
        public String toString() {
            return "restart latency over " + restart.length + " kills (microseconds):\n"
                    + line("kill -> Started of replacement", restart)
                    + line("bare spawn of cat", bare)
                    + line("setpriv+setsid spawn of cat", wrapped)
                    + line("restart minus bare spawn", restartMinusBare);
        }

        private static String line(String what, long[] nanos) {
            long[] sorted = nanos.clone();
            Arrays.sort(sorted);
            return String.format("  %-32s median %7d   p90 %7d   min %7d   max %7d%n", what,
                    micros(sorted, 0.5), micros(sorted, 0.9), sorted[0] / 1000, sorted[sorted.length - 1] / 1000);
        }

        private static long micros(long[] sorted, double q) {
            return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1000;
        }
    }

    static Result measure(int rounds) throws Exception {
        BlockingQueue<long[]> started = new LinkedBlockingQueue<>();
        var spec = SupervisorSpec.of("root", Strategy.ONE_FOR_ONE, Intensity.of(100_000, Duration.ofSeconds(1)),
                List.of(ProcessSpec.of("cat", "cat").withStdio(Stdio.CHANNEL).withShutdown(Children.QUICK)));
        Supervisor root = SupervisionTree.start(spec, e -> {
            if (e instanceof SupervisionEvent.Started s && s.id().equals("cat")) {
                started.add(new long[] {System.nanoTime(), s.pid()});
            }
        });
        long[] restart = new long[rounds], bare = new long[rounds], wrapped = new long[rounds], diff = new long[rounds];
        try {
            long pid = next(started)[1];
            for (int i = -WARMUP; i < rounds; i++) {
                // Alternate the order: whichever spawn comes first still competes with the last restart's aftermath.
                long b, w;
                if ((i & 1) == 0) {
                    b = spawn(List.of("cat"));
                    w = spawn(WRAPPED_CAT);
                } else {
                    w = spawn(WRAPPED_CAT);
                    b = spawn(List.of("cat"));
                }

                long t0 = System.nanoTime();
                Pids.sigkill(pid);
                long[] replacement = next(started);
                pid = replacement[1];

                if (i >= 0) {
                    restart[i] = replacement[0] - t0;
                    bare[i] = b;
                    wrapped[i] = w;
                    diff[i] = restart[i] - b;
                }
            }
        } finally {
            root.shutdown().get(10, TimeUnit.SECONDS);
        }
        return new Result(restart, bare, wrapped, diff);
    }

    private static long[] next(BlockingQueue<long[]> started) throws InterruptedException {
        long[] s = started.poll(5, TimeUnit.SECONDS);
        if (s == null) throw new AssertionError("no Started event within 5 s");
        return s;
    }

    /** Nanoseconds from ProcessBuilder.start until the process is alive; the process is then killed and reaped. */
    private static long spawn(List<String> command) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command).start();
        while (!p.isAlive()) Thread.onSpinWait();
        long took = System.nanoTime() - t0;
        p.destroyForcibly();
        p.waitFor();
        return took;
    }
}
