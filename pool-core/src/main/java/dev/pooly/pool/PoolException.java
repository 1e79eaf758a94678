package dev.pooly.pool;

/** Base of the pool's failures; the message names the pool. Thread-safe: its fields are set once, at construction. */
public class PoolException extends RuntimeException {
    public PoolException(String message) {
        super(message);
    }

    public PoolException(String message, Throwable cause) {
        super(message, cause);
    }
}
