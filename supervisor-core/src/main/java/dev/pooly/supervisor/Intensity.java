package dev.pooly.supervisor;

import java.time.Duration;

/**
 * Restart intensity: more than {@code maxRestarts} restarts within {@code period} make a supervisor
 * give up. OTP's {@code MaxR}/{@code MaxT}; the default is Elixir's 3 in 5 seconds.
 * Immutable and thread-safe.
 */
public record Intensity(int maxRestarts, Duration period) {
    public Intensity {
        if (maxRestarts < 0) throw new IllegalArgumentException("max_restarts must not be negative, was " + maxRestarts);
        if (period == null || period.isNegative() || period.isZero())
            throw new IllegalArgumentException("max_seconds must be positive, was " + period);
    }

    public static final Intensity DEFAULT = new Intensity(3, Duration.ofSeconds(5));

    public static Intensity of(int maxRestarts, Duration period) { return new Intensity(maxRestarts, period); }
}
