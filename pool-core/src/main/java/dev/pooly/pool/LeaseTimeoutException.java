package dev.pooly.pool;

/** A request got no response within its deadline; the worker was killed. */
public class LeaseTimeoutException extends PoolException {
    public LeaseTimeoutException(String message) {
        super(message);
    }

    public LeaseTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
