package dev.pooly.pool;

/** No worker could be checked out within the caller's timeout. Thread-safe: its fields are set once, at construction. */
public class PoolTimeoutException extends PoolException {
    public PoolTimeoutException(String message) {
        super(message);
    }

    public PoolTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
