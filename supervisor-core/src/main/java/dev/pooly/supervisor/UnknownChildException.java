package dev.pooly.supervisor;

/** A request named a child id that is not in the supervisor's subtree. Thread-safe: its fields are set once, at construction. */
public class UnknownChildException extends RuntimeException {
    public UnknownChildException(String id, String supervisorId) {
        super("no child '" + id + "' under supervisor '" + supervisorId + "'");
    }
}
