package dev.pooly.pool;

import java.util.List;

/**
 * A snapshot of a pool, with poolboy's state name and the contract's counters. Immutable and
 * thread-safe ({@code workers} is copied). The counters are read together under the pool's lock, so
 * they agree with each other; the worker list is read without it and may differ slightly.
 *
 * @param busy     workers checked out
 * @param overflow overflow workers alive or starting
 * @param waiting  callers queued
 * @param starting workers being started
 * @param lastError the last worker start failure or crash, or null
 * @param lastExit  the last worker exit seen by this pool incarnation, with its reason, or null
 */
public record PoolStatus(String name, State state, int size, int maxOverflow, int idle, int busy, int overflow,
                         int waiting, int starting, List<Worker> workers, String lastError, WorkerExit lastExit) {

    public PoolStatus {
        workers = List.copyOf(workers);
    }

    /** A status with no worker exit seen yet. */
    public PoolStatus(String name, State state, int size, int maxOverflow, int idle, int busy, int overflow,
                      int waiting, int starting, List<Worker> workers, String lastError) {
        this(name, state, size, maxOverflow, idle, busy, overflow, waiting, starting, workers, lastError, null);
    }

    /**
     * poolboy's {@code state_name}: {@code READY} when a worker is idle; {@code OVERFLOW} when none is
     * but an overflow worker may still start; {@code FULL} otherwise. Immutable.
     */
    public enum State { READY, OVERFLOW, FULL }

    /**
     * One worker: pid (0 while starting), state and how many leases it served. Immutable.
     *
     * @param id    its id in the tree ({@code POOLY_WORKER}), or null while starting
     * @param index its slot ({@code POOLY_WORKER_INDEX}), or -1 when unknown
     */
    public record Worker(long pid, WorkerState state, int uses, String id, int index) {
        /** A worker whose id and slot are not known. */
        public Worker(long pid, WorkerState state, int uses) {
            this(pid, state, uses, null, -1);
        }
    }

    /** A worker's state as the contract names it. Immutable. */
    public enum WorkerState { STARTING, IDLE, BUSY, STOPPING }

    /** The state name for these counts; the status never stores it. */
    public static State stateOf(int idle, int overflow, int maxOverflow) {
        if (idle > 0) return State.READY;
        return overflow < maxOverflow ? State.OVERFLOW : State.FULL;
    }
}
