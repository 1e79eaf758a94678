package dev.pooly.pool;

/**
 * A request got no response within its deadline; the worker was killed and the lease is void
 * ({@link LeaseRevokedException.Reason#REQUEST_TIMEOUT}). Thread-safe: its fields are set once, at construction.
 */
public class LeaseTimeoutException extends LeaseRevokedException {
    public LeaseTimeoutException(String message) {
        super(Reason.REQUEST_TIMEOUT, message);
    }

    public LeaseTimeoutException(String message, Throwable cause) {
        super(Reason.REQUEST_TIMEOUT, message, cause);
    }
}
