package dev.pooly.pool.internal;

/** A worker's life in the pool: its states and the moves between them ({@link #canBecome}), which {@link Worker#to} checks. */
public enum WorkerState {
    /** Started and ready, not yet placed (only inside {@code ready()}, under the lock). */
    STARTING,
    /** On the idle list. */
    IDLE,
    /** Lent: {@link Worker#lease} is its active or just-ended lease. */
    BUSY,
    /** Found dead by the pool; still counted until its exit is seen, which accounts for it. */
    DYING,
    /** Stopped by the pool (dismissed, retired, killed): already off the books. */
    LEAVING,
    /** Its exit was seen. Final. */
    GONE;

    boolean canBecome(WorkerState next) {
        return switch (this) {
            case STARTING -> next == IDLE || next == LEAVING;
            case IDLE -> next == BUSY || next == DYING || next == LEAVING || next == GONE;
            case BUSY -> next == IDLE || next == DYING || next == LEAVING || next == GONE;
            case DYING -> next == LEAVING || next == GONE;
            case LEAVING -> next == GONE;
            case GONE -> false;
        };
    }

    /** The state as status shows it. */
    dev.pooly.pool.PoolStatus.WorkerState shown() {
        return switch (this) {
            case STARTING -> dev.pooly.pool.PoolStatus.WorkerState.STARTING;
            case IDLE -> dev.pooly.pool.PoolStatus.WorkerState.IDLE;
            case BUSY -> dev.pooly.pool.PoolStatus.WorkerState.BUSY;
            case DYING, LEAVING, GONE -> dev.pooly.pool.PoolStatus.WorkerState.STOPPING;
        };
    }
}
