package dev.pooly.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The {@code logs} section: where the output of plain processes (and the stderr of pool workers)
 * goes, and how it is rotated. Immutable.
 *
 * @param dir      absolute, resolved against the config file's directory
 * @param maxBytes a log file is rotated once it grows past this many bytes
 * @param backups  how many rotated files are kept
 * @param to       files, or the daemon's stderr with an {@code [id] } prefix per line
 */
public record LogSettings(Path dir, long maxBytes, int backups, LogTarget to) {

    public LogSettings {
        Objects.requireNonNull(dir, "dir");
        if (maxBytes < 1) throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
        if (backups < 0) throw new IllegalArgumentException("backups must not be negative: " + backups);
        Objects.requireNonNull(to, "to");
    }

    /** Output to rotated files. */
    public LogSettings(Path dir, long maxBytes, int backups) {
        this(dir, maxBytes, backups, LogTarget.FILES);
    }
}
