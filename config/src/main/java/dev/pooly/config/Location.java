package dev.pooly.config;

/**
 * Where something was written in the config file: a 1-based line and column, so that errors found
 * later, at run time, can still point at the file. Immutable.
 */
public record Location(int line, int column) {

    public Location {
        if (line < 1 || column < 1) {
            throw new IllegalArgumentException("line and column are 1-based, got " + line + ":" + column);
        }
    }

    /** {@code LINE:COLUMN}. */
    @Override
    public String toString() {
        return line + ":" + column;
    }
}
