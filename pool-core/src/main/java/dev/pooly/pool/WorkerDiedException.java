package dev.pooly.pool;

/** The leased worker died; the lease is void ({@link LeaseRevokedException.Reason#WORKER_DIED}). Thread-safe: its fields are set once, at construction. */
public class WorkerDiedException extends LeaseRevokedException {
    public WorkerDiedException(String message) {
        super(Reason.WORKER_DIED, message);
    }

    public WorkerDiedException(String message, Throwable cause) {
        super(Reason.WORKER_DIED, message, cause);
    }
}
