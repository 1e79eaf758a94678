package dev.pooly.config;

import java.time.Duration;
import java.util.Objects;

/**
 * When a started process counts as up: at once, after staying alive for a delay, or when its
 * stdout prints a given first line. Immutable.
 */
public sealed interface ReadySetting {

    /** How long a {@link Line} readiness waits when the file gives no {@code timeout}. */
    Duration DEFAULT_LINE_TIMEOUT = Duration.ofSeconds(10);

    /** No {@code ready} key: up as soon as it is started. Immutable. */
    record Immediate() implements ReadySetting {}

    /** {@code {delay: 1s}}: up once it has stayed alive this long. Immutable. */
    record Delay(Duration delay) implements ReadySetting {
        public Delay {
            Objects.requireNonNull(delay, "delay");
        }
    }

    /** {@code {line: READY, timeout: 10s}}: up when its first stdout line is {@code line}, within {@code timeout}. Immutable. */
    record Line(String line, Duration timeout) implements ReadySetting {
        public Line {
            Objects.requireNonNull(line, "line");
            Objects.requireNonNull(timeout, "timeout");
        }
    }
}
