package dev.pooly.supervisor.internal;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One shared timer thread for readiness deadlines and delays. Tasks only complete futures or send
 * signals, so one thread is plenty. Thread-safe.
 */
public final class Timers {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("pooly-timer").daemon(true).factory());

    private Timers() {}

    /** Runs {@code task} every {@code period}; a task that throws is logged, not silently descheduled. */
    public static ScheduledFuture<?> every(Duration period, Runnable task) {
        long nanos = period.toNanos();
        return TIMER.scheduleWithFixedDelay(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(Timers.class).warn("periodic task failed", e);
            }
        }, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    public static ScheduledFuture<?> after(Duration delay, Runnable task) {
        return TIMER.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
    }
}
