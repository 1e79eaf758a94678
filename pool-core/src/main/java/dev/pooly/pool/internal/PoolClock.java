package dev.pooly.pool.internal;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Time as a pool sees it: a nanosecond clock and delayed tasks (lease_timeout, overflow_ttl, the
 * sweeper, start retries). {@link #SYSTEM} is real time on one shared timer thread of pool-core's own;
 * the model test drives a manual clock so that time-based transitions run deterministically.
 *
 * <p>Implementations are thread-safe. Tasks must be short: they only take the pool lock for an O(1)
 * transition and start effects.
 */
public interface PoolClock {
    long nanoTime();

    /** Runs {@code task} once after {@code delay}. */
    Scheduled after(Duration delay, Runnable task);

    /** Runs {@code task} every {@code period}; a task that throws is logged and keeps its schedule. */
    Scheduled every(Duration period, Runnable task);

    /** A task that can be called off; cancelling one that ran or was cancelled does nothing. */
    interface Scheduled {
        void cancel();
    }

    PoolClock SYSTEM = new PoolClock() {
        // One daemon thread for every pool of the JVM: tasks only take a lock briefly and hand effects on.
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("pooly-pool-timer").daemon(true).factory());

        @Override public long nanoTime() { return System.nanoTime(); }

        @Override public Scheduled after(Duration delay, Runnable task) {
            ScheduledFuture<?> f = timer.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        }

        @Override public Scheduled every(Duration period, Runnable task) {
            long nanos = period.toNanos();
            ScheduledFuture<?> f = timer.scheduleWithFixedDelay(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    org.slf4j.LoggerFactory.getLogger("pooly.pool").warn("periodic pool task failed", e);
                }
            }, nanos, nanos, TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        }
    };
}
