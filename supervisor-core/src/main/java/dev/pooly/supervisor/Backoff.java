package dev.pooly.supervisor;

import java.time.Duration;
import java.util.Objects;
import java.util.function.DoubleSupplier;

/**
 * Restart backoff as data: how long a supervisor (or a pool) waits before restarting a child whose
 * last run was short. A run that lasted at least {@code minUptime} restarts at once and resets the
 * streak, so a healthy child keeps OTP's immediate restart; the n-th short run in a row waits
 * {@code min * factor^(n-1)}, capped at {@code max}, then randomised by {@code +-jitter} (a fraction)
 * so that many children crashing together do not restart in lock-step.
 *
 * <p>The delay only postpones a restart; the restart still counts toward the supervisor's intensity
 * when it happens. {@link #NONE} restarts at once, always (OTP's behaviour).
 *
 * <p>Immutable; thread-safe. The caller keeps the streak (see {@link #streakAfter}).
 *
 * @param minUptime a run at least this long is healthy: no delay, streak reset
 * @param min       the delay after the first short run
 * @param max       the cap on the delay before jitter
 * @param factor    growth per further short run in a row, at least 1
 * @param jitter    0..1, the fraction by which each delay is randomised either way
 */
public record Backoff(Duration minUptime, Duration min, Duration max, double factor, double jitter) {

    /** The contract's default: {@code {min_uptime: 1s, min: 100ms, max: 30s, factor: 2, jitter: 0.2}}. */
    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofSeconds(30), 2, 0.2);

    /** No backoff: every restart at once. */
    public static final Backoff NONE = new Backoff(Duration.ZERO, Duration.ZERO, Duration.ZERO, 1, 0);

    public Backoff {
        nonNegative("min_uptime", minUptime);
        nonNegative("min", min);
        nonNegative("max", max);
        if (max.compareTo(min) < 0) throw new IllegalArgumentException("backoff max " + max + " is below min " + min);
        if (!(factor >= 1) || Double.isInfinite(factor)) throw new IllegalArgumentException("backoff factor must be at least 1, was " + factor);
        if (!(jitter >= 0 && jitter <= 1)) throw new IllegalArgumentException("backoff jitter must be within 0..1, was " + jitter);
    }

    private static void nonNegative(String key, Duration d) {
        Objects.requireNonNull(d, key);
        if (d.isNegative()) throw new IllegalArgumentException("backoff " + key + " must not be negative, was " + d);
    }

    /** The streak of short runs after a run of {@code uptime}, given the streak before it. */
    public int streakAfter(int streak, Duration uptime) {
        if (uptime.compareTo(minUptime) >= 0) return 0;
        return streak == Integer.MAX_VALUE ? streak : streak + 1;
    }

    /**
     * The delay before the restart that follows {@code streak} short runs in a row (0 = at once).
     *
     * @param random a uniform value in [0, 1), e.g. {@code ThreadLocalRandom.current()::nextDouble}
     */
    public Duration delay(int streak, DoubleSupplier random) {
        if (streak <= 0 || max.isZero()) return Duration.ZERO;
        double base = min.toNanos() * Math.pow(factor, Math.min(streak - 1, 1_000));
        base = Math.min(base, max.toNanos());
        double spread = jitter == 0 ? 0 : jitter * (2 * random.getAsDouble() - 1);
        return Duration.ofNanos(Math.max(0, Math.round(base * (1 + spread))));
    }

    /** The longest delay this policy can produce (max plus its jitter). */
    public Duration longest() {
        return Duration.ofNanos(Math.round(max.toNanos() * (1 + jitter)));
    }
}
