package dev.pooly.pool;

/** The pool was shut down. Thread-safe: its fields are set once, at construction. */
public class PoolClosedException extends PoolException {
    public PoolClosedException(String message) {
        super(message);
    }

    public PoolClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
