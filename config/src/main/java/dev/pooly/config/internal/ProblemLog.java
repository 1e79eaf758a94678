package dev.pooly.config.internal;

import dev.pooly.config.ConfigProblem;
import dev.pooly.config.Location;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The problems found in one file so far. Loading goes on past a problem, with a stand-in value,
 * so that the user sees everything wrong in one run. Not thread-safe: one per load.
 */
final class ProblemLog {

    private final String file;
    private final List<ConfigProblem> problems = new ArrayList<>();

    ProblemLog(String file) {
        this.file = file;
    }

    /** Logs a problem unless one is logged at that place already: the first says it, the rest would be knock-on effects. */
    void add(Location where, String message) {
        boolean placeTaken = problems.stream().anyMatch(p -> p.line() == where.line() && p.column() == where.column());
        if (!placeTaken) {
            problems.add(new ConfigProblem(file, where.line(), where.column(), message));
        }
    }

    boolean isEmpty() {
        return problems.isEmpty();
    }

    /** In file order, whatever order the checks ran in. */
    List<ConfigProblem> problems() {
        return problems.stream()
                .sorted(Comparator.comparingInt(ConfigProblem::line).thenComparingInt(ConfigProblem::column))
                .toList();
    }
}
