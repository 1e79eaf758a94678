package dev.pooly.supervisor;

import java.util.List;

/**
 * A snapshot of one node of the tree: immutable and thread-safe ({@code children} is copied); it does
 * not follow the node, ask {@link Supervisor#status()} again for a newer one.
 *
 * @param pid       the OS pid of a running process, else 0
 * @param restarts  how often this node was restarted by its supervisor
 * @param lastError the last failure to start or crash reason, or null
 * @param nextRestartMs while {@link State#RESTARTING} waits out a backoff delay: milliseconds until the
 *                  restart (at least 1); else 0
 * @param lastExit  why the last incarnation ended, or null when none has ended
 * @param settled   stopped (or stopping) for good as far as its supervisor goes: stopped on request,
 *                  or ended and its restart type does not restart it. Only a start request brings it
 *                  back. A node that is {@link State#STOPPED} or {@link State#FAILED} but not settled
 *                  is between two incarnations (its supervisor, or one above it, is restarting it).
 */
public record NodeStatus(String id, Type type, State state, long pid, int restarts, String lastError,
                         List<NodeStatus> children, long nextRestartMs, ExitReason lastExit, boolean settled) {

    public NodeStatus {
        children = List.copyOf(children);
        if (nextRestartMs < 0) throw new IllegalArgumentException("nextRestartMs must not be negative, was " + nextRestartMs);
    }

    /** A node that is not settled. */
    public NodeStatus(String id, Type type, State state, long pid, int restarts, String lastError,
                      List<NodeStatus> children, long nextRestartMs, ExitReason lastExit) {
        this(id, type, state, pid, restarts, lastError, children, nextRestartMs, lastExit, false);
    }

    /** A node that is not waiting for a restart and has no recorded exit reason. */
    public NodeStatus(String id, Type type, State state, long pid, int restarts, String lastError, List<NodeStatus> children) {
        this(id, type, state, pid, restarts, lastError, children, 0, null);
    }

    /** The kind of node. Immutable. */
    public enum Type { SUPERVISOR, PROCESS, SERVICE }

    /** The node's lifecycle state, as named in the contract's status JSON. Immutable. */
    public enum State { STARTING, RUNNING, RESTARTING, STOPPED, FAILED }

    /** The nodes from this one down to {@code id} (both included), or empty when {@code id} is not below it. */
    public List<NodeStatus> pathTo(String id) {
        if (this.id.equals(id)) return List.of(this);
        for (NodeStatus c : children) {
            List<NodeStatus> below = c.pathTo(id);
            if (!below.isEmpty()) {
                List<NodeStatus> path = new java.util.ArrayList<>(below.size() + 1);
                path.add(this);
                path.addAll(below);
                return path;
            }
        }
        return List.of();
    }

    /** This node, or the node {@code id} below it. */
    public java.util.Optional<NodeStatus> find(String id) {
        if (this.id.equals(id)) return java.util.Optional.of(this);
        for (NodeStatus c : children) {
            var hit = c.find(id);
            if (hit.isPresent()) return hit;
        }
        return java.util.Optional.empty();
    }
}
