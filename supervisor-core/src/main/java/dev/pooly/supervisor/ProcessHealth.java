package dev.pooly.supervisor;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A process's health check: {@code command} runs every {@code every} (not during {@code grace} after a
 * start) and must exit 0 within {@code timeout}; after {@code retries} failures in a row the process is
 * stopped gracefully and restarted as after a crash (exit reason {@code health}), with the command's
 * last output in {@code last_error}. Immutable.
 */
public record ProcessHealth(List<String> command, Duration every, Duration timeout, int retries, Duration grace) {

    public ProcessHealth {
        Objects.requireNonNull(command, "command");
        if (command.isEmpty()) throw new IllegalArgumentException("health command must not be empty");
        command = List.copyOf(command);
        positive("every", every);
        positive("timeout", timeout);
        Objects.requireNonNull(grace, "grace");
        if (grace.isNegative()) throw new IllegalArgumentException("health grace must not be negative, was " + grace);
        if (retries < 1) throw new IllegalArgumentException("health retries must be at least 1, was " + retries);
    }

    private static void positive(String key, Duration d) {
        Objects.requireNonNull(d, key);
        if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("health " + key + " must be positive, was " + d);
    }
}
