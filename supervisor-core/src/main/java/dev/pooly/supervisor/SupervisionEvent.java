package dev.pooly.supervisor;

/**
 * What happened in the tree, for logs and observers. {@code path} is the ids from the root down to
 * the node, joined by {@code /}; {@code pid} is 0 for nodes that are not processes.
 *
 * <p>Every event is an immutable record, thread-safe to share. The tree's listener receives them on
 * supervisor threads, possibly several at once (see {@link SupervisionTree#start}).
 */
public sealed interface SupervisionEvent {
    String path();

    String id();

    /** A child started and is ready. Immutable. */
    record Started(String path, String id, long pid) implements SupervisionEvent {
        @Override public String toString() { return path + ": started" + (pid > 0 ? " (pid " + pid + ")" : ""); }
    }

    /**
     * A child ended: {@code status} says how (exit code, signal), {@code reason} why (normal, crash,
     * killed, stopped, health, memory), as {@code last_exit} in status and metric labels name it.
     * Immutable.
     */
    record Exited(String path, String id, long pid, ExitStatus status, ExitReason reason) implements SupervisionEvent {
        public Exited {
            java.util.Objects.requireNonNull(reason, "reason");
        }

        /** An exit whose reason follows from its status ({@link ExitReason#of}). */
        public Exited(String path, String id, long pid, ExitStatus status) {
            this(path, id, pid, status, ExitReason.of(status));
        }

        @Override public String toString() {
            return path + ": " + (pid > 0 ? "pid " + pid + " " : "") + status
                    + (reason == ExitReason.CRASH || reason == ExitReason.STOPPED ? "" : " (" + reason.label() + ")");
        }
    }

    /** A child is being restarted after {@code cause}; {@code restarts} counts its restarts so far. Immutable. */
    record Restarting(String path, String id, int restarts, String cause) implements SupervisionEvent {
        @Override public String toString() { return path + ": restarting (restart " + restarts + ") after " + cause; }
    }

    /** A child could not start; {@code error} says why. Immutable. */
    record StartFailed(String path, String id, String error) implements SupervisionEvent {
        @Override public String toString() { return path + ": failed to start: " + error; }
    }

    /** A supervisor exceeded its restart intensity, stopped its children and exited. Immutable. */
    record GaveUp(String path, String id, String reason) implements SupervisionEvent {
        @Override public String toString() { return path + ": gave up: " + reason; }
    }
}
