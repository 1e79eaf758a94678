package dev.pooly.pool;

/**
 * A lease that is no longer active was used, or ended while its holder used it. {@link #reason()}
 * says why, for programs that map it (the daemon maps it to a protocol error and an exit code).
 *
 * <p>Every operation on an ended lease throws this (or its subclasses {@link WorkerDiedException},
 * {@link LeaseTimeoutException}), raw stream access included; only {@link Lease#close()},
 * {@link Lease#discard()} and {@link Lease#abandon()} stay quiet on a lease the pool ended. Thread-safe: its fields are set once, at construction.
 */
public class LeaseRevokedException extends PoolException {
    /** How a lease ended. {@link #label()} is the snake_case name status and metrics use. Immutable. */
    public enum Reason {
        /** Its holder checked it in ({@link Lease#close()}). */
        CHECKED_IN("checked_in"),
        /** Its holder discarded it ({@link Lease#discard()}); the worker was killed. */
        DISCARDED("discarded"),
        /** Its holder vanished (every thread that used it ended, or it became unreachable) or called {@link Lease#abandon()}. */
        ABANDONED("abandoned"),
        /** Held longer than the pool's {@code lease_timeout}; the worker was killed. */
        LEASE_TIMEOUT("lease_timeout"),
        /** A request got no answer within its deadline; the worker was killed. */
        REQUEST_TIMEOUT("request_timeout"),
        /** The worker exited (crashed, was killed, or destroyed through {@link Lease#process()}). */
        WORKER_DIED("worker_died"),
        /** The pool restarted or was shut down; the worker was stopped with it. */
        POOL_CLOSED("pool_closed");

        private final String label;

        Reason(String label) {
            this.label = label;
        }

        public String label() { return label; }
    }

    private final Reason reason;

    public LeaseRevokedException(Reason reason, String message) {
        super(message);
        this.reason = java.util.Objects.requireNonNull(reason, "reason");
    }

    public LeaseRevokedException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = java.util.Objects.requireNonNull(reason, "reason");
    }

    /** Why the lease ended; never null. */
    public Reason reason() { return reason; }
}
