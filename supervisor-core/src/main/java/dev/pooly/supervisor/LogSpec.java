package dev.pooly.supervisor;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where process output is written: files in {@code dir}, each rotated past {@code maxBytes} into
 * {@code NAME.1 .. NAME.backups}. A {@code null} dir discards the output. With {@code toStderr}, no
 * file is written: each line goes to this JVM's stderr prefixed with {@code [id] } (for containers).
 * Immutable and thread-safe.
 */
public record LogSpec(Path dir, long maxBytes, int backups, boolean toStderr) {
    /** Files in {@code dir} (or discarded when {@code dir} is null). */
    public LogSpec(Path dir, long maxBytes, int backups) {
        this(dir, maxBytes, backups, false);
    }

    /** Every line to this JVM's stderr as {@code [id] line}. */
    public static LogSpec stderr() { return new LogSpec(null, Long.MAX_VALUE, 0, true); }

    public LogSpec {
        if (maxBytes <= 0) throw new IllegalArgumentException("log max_bytes must be positive, was " + maxBytes);
        if (backups < 0) throw new IllegalArgumentException("log backups must not be negative, was " + backups);
    }

    /** Output is thrown away. */
    public static LogSpec discard() { return new LogSpec(null, Long.MAX_VALUE, 0); }

    /** Files in {@code dir}, rotated past 10 MB, three backups (the contract's defaults). */
    public static LogSpec in(Path dir) { return new LogSpec(Objects.requireNonNull(dir, "dir"), 10L << 20, 3); }

    public boolean discards() { return dir == null && !toStderr; }
}
