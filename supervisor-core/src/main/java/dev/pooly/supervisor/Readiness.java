package dev.pooly.supervisor;

import java.time.Duration;
import java.util.Objects;

/**
 * When a started process counts as started. Until then it is {@code starting}; a process that exits
 * or misses its timeout before it is ready has failed to start. Every kind is an immutable record,
 * thread-safe to share.
 */
public sealed interface Readiness {

    /** Ready as soon as the process exists. Immutable. */
    record Immediate() implements Readiness {}

    /** Ready once it has stayed alive for {@code delay} (supervisord's {@code startsecs}). Immutable. */
    record Delay(Duration delay) implements Readiness {
        public Delay { Objects.requireNonNull(delay, "delay"); }
    }

    /**
     * Ready when stdout prints {@code line}, within {@code timeout}. For {@link Stdio#CHANNEL} the
     * very first line must be it (it is consumed and not part of the channel); for {@link Stdio#LOGGED}
     * earlier lines are logged and skipped. Immutable.
     */
    record Line(String line, Duration timeout) implements Readiness {
        public Line {
            Objects.requireNonNull(line, "line");
            Objects.requireNonNull(timeout, "timeout");
        }
    }

    static Readiness immediate() { return new Immediate(); }
    static Readiness delay(Duration delay) { return new Delay(delay); }
    static Readiness line(String line, Duration timeout) { return new Line(line, timeout); }
}
