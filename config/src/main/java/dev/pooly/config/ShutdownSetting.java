package dev.pooly.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How a child is stopped, OTP's shutdown spec: {@code brutal_kill}, {@code infinity} or a
 * duration such as {@code 5s}. Immutable.
 */
public sealed interface ShutdownSetting {

    /** The contract's default: SIGTERM, then SIGKILL after five seconds. */
    ShutdownSetting DEFAULT = new Timeout(Duration.ofSeconds(5));

    /** {@code brutal_kill}: SIGKILL at once. Immutable. */
    record BrutalKill() implements ShutdownSetting {}

    /** {@code infinity}: SIGTERM and wait as long as it takes. Immutable. */
    record Infinity() implements ShutdownSetting {}

    /** A duration: SIGTERM, wait this long for the exit, then SIGKILL. Immutable. */
    record Timeout(Duration timeout) implements ShutdownSetting {
        public Timeout {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative()) throw new IllegalArgumentException("negative shutdown timeout: " + timeout);
        }
    }
}
