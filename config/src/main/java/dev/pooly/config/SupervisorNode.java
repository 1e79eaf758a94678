package dev.pooly.config;

import java.util.List;
import java.util.Objects;

/**
 * A {@code supervisor:} entry, or the root of the tree. Children start in list order and stop in
 * reverse order. Immutable.
 *
 * @param id          the root's is {@code root} unless the file names it
 * @param maxRestarts restart intensity: more than this many restarts ...
 * @param maxSeconds  ... within this many seconds and the supervisor gives up
 */
public record SupervisorNode(
        String id,
        SupervisorStrategy strategy,
        int maxRestarts,
        int maxSeconds,
        List<ChildNode> children,
        Location location) implements ChildNode {

    /** The id of a root supervisor that the file does not name. */
    public static final String ROOT_ID = "root";

    public SupervisorNode {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(strategy, "strategy");
        if (maxRestarts < 0) throw new IllegalArgumentException("supervisor " + id + ": max_restarts must not be negative");
        if (maxSeconds < 1) throw new IllegalArgumentException("supervisor " + id + ": max_seconds must be positive");
        children = List.copyOf(children);
        Objects.requireNonNull(location, "location");
    }
}
