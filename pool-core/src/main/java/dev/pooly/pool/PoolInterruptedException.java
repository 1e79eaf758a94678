package dev.pooly.pool;

/** The caller was interrupted while waiting; its interrupt flag is set again. Thread-safe: its fields are set once, at construction. */
public class PoolInterruptedException extends PoolException {
    public PoolInterruptedException(String message) {
        super(message);
    }

    public PoolInterruptedException(String message, Throwable cause) {
        super(message, cause);
    }
}
