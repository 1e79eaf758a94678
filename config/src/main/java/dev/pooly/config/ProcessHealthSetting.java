package dev.pooly.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A process's {@code health:} mapping: {@code command} runs every {@code every} (not during
 * {@code grace} after a start) and must exit 0 within {@code timeout}; {@code retries} failures in a
 * row restart the process. Immutable.
 */
public record ProcessHealthSetting(List<String> command, Duration every, Duration timeout, int retries, Duration grace) {
    public static final Duration DEFAULT_EVERY = Duration.ofSeconds(10);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    public static final int DEFAULT_RETRIES = 3;
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(10);

    public ProcessHealthSetting {
        command = List.copyOf(command);
        Objects.requireNonNull(every, "every");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(grace, "grace");
    }
}
