package dev.pooly.config;

import java.time.Duration;
import java.util.Objects;

/**
 * A {@code backoff:} mapping of a process or pool: how restarts after short runs are delayed.
 * Immutable; the loader has checked the ranges (see {@link #check}).
 *
 * @param minUptime a run at least this long restarts at once and resets the delay
 * @param min       the first delay
 * @param max       the cap on the delay
 * @param factor    growth per consecutive short run, at least 1
 * @param jitter    0..1, the fraction by which each delay is randomised either way
 */
public record BackoffSetting(Duration minUptime, Duration min, Duration max, double factor, double jitter) {

    /** The contract's default: {@code {min_uptime: 1s, min: 100ms, max: 30s, factor: 2, jitter: 0.2}}. */
    public static final BackoffSetting DEFAULT = new BackoffSetting(Duration.ofSeconds(1), Duration.ofMillis(100),
            Duration.ofSeconds(30), 2, 0.2);

    public BackoffSetting {
        Objects.requireNonNull(minUptime, "minUptime");
        Objects.requireNonNull(min, "min");
        Objects.requireNonNull(max, "max");
        String problem = check(min, max, factor, jitter);
        if (problem != null) throw new IllegalArgumentException(problem);
    }

    /** What is wrong with these values, or null: the loader reports it at the key, this record refuses it. */
    public static String check(Duration min, Duration max, double factor, double jitter) {
        if (max.compareTo(min) < 0) return "backoff max " + max.toMillis() + "ms" + " is below min " + min.toMillis() + "ms";
        if (!(factor >= 1) || Double.isInfinite(factor)) return "backoff factor must be a number of at least 1, got " + factor;
        if (!(jitter >= 0 && jitter <= 1)) return "backoff jitter must be a fraction within 0..1, got " + jitter;
        return null;
    }
}
