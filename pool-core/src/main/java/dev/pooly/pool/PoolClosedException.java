package dev.pooly.pool;

/** The pool was shut down. */
public class PoolClosedException extends PoolException {
    public PoolClosedException(String message) {
        super(message);
    }

    public PoolClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
