package dev.pooly.pool;

/** The leased worker died; the lease is void. */
public class WorkerDiedException extends PoolException {
    public WorkerDiedException(String message) {
        super(message);
    }

    public WorkerDiedException(String message, Throwable cause) {
        super(message, cause);
    }
}
