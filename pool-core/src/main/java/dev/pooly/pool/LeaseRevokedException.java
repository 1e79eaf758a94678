package dev.pooly.pool;

/** The lease was revoked (lease_timeout, or the pool restarted) and its worker killed. */
public class LeaseRevokedException extends PoolException {
    public LeaseRevokedException(String message) {
        super(message);
    }

    public LeaseRevokedException(String message, Throwable cause) {
        super(message, cause);
    }
}
