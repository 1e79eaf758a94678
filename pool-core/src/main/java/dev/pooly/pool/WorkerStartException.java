package dev.pooly.pool;

/** The worker started for this caller could not start; the message names the command and why. Thread-safe: its fields are set once, at construction. */
public class WorkerStartException extends PoolException {
    public WorkerStartException(String message) {
        super(message);
    }

    public WorkerStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
