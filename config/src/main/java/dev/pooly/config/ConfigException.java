package dev.pooly.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A config file that cannot be used, with every problem found in it rather than only the first,
 * so that one run of {@code pooly validate} shows the user all there is to fix. The message is the
 * problems, one {@code FILE:LINE:COLUMN: message} per line, in file order. Immutable.
 */
public final class ConfigException extends Exception {

    private final List<ConfigProblem> problems;

    public ConfigException(List<ConfigProblem> problems) {
        super(problems.stream().map(ConfigProblem::toString).collect(Collectors.joining(System.lineSeparator())));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    /** The problems in file order; never empty. */
    public List<ConfigProblem> problems() {
        return problems;
    }
}
