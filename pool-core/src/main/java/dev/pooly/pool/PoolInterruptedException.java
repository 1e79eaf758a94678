package dev.pooly.pool;

/** The caller was interrupted while waiting; its interrupt flag is set again. */
public class PoolInterruptedException extends PoolException {
    public PoolInterruptedException(String message) {
        super(message);
    }

    public PoolInterruptedException(String message, Throwable cause) {
        super(message, cause);
    }
}
