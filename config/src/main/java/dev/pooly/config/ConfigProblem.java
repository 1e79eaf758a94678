package dev.pooly.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One thing wrong with a config file, at a 1-based line and column. {@link #toString()} is the
 * {@code FILE:LINE:COLUMN: message} line that {@code pooly validate} prints, the form editors and
 * compilers use, so a terminal or IDE can jump to it. Immutable.
 *
 * @param file the file as the user named it, not made absolute
 */
public record ConfigProblem(String file, int line, int column, String message) {

    public ConfigProblem {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(message, "message");
    }

    /** A problem found after loading, for instance at start-up, in a node read from {@code file}. */
    public static ConfigProblem at(Path file, Location where, String message) {
        return new ConfigProblem(file.toString(), where.line(), where.column(), message);
    }

    /** {@code FILE:LINE:COLUMN: message}. */
    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + message;
    }
}
