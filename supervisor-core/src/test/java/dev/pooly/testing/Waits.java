package dev.pooly.testing;

import org.awaitility.core.ConditionFactory;

import java.time.Duration;

/** Awaitility as the tests of every module use it (shared through supervisor-core's test jar). */
public final class Waits {
    /** How long a test waits for something that should happen promptly. */
    public static final Duration PATIENCE = Duration.ofSeconds(5);

    private Waits() {}

    /** A few seconds at most, polled often so tests stay fast. */
    public static ConditionFactory await() {
        return org.awaitility.Awaitility.await().atMost(PATIENCE).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(10));
    }

    /** For "this does not happen": holds for {@code period}, polled. */
    public static ConditionFactory during(Duration period) {
        return org.awaitility.Awaitility.await().during(period).atMost(period.plusSeconds(2))
                .pollInterval(Duration.ofMillis(25));
    }
}
