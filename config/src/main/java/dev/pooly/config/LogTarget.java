package dev.pooly.config;

import java.util.Locale;

/**
 * Where children's output goes ({@code logs.to}): rotated files in {@code logs.dir}, or the daemon's
 * own stderr, each line prefixed with {@code [id] } (for containers, whose logs are stdout/stderr).
 * Immutable and thread-safe.
 */
public enum LogTarget {
    FILES,
    STDERR;

    /** The value as written in the config file, e.g. {@code stderr}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
