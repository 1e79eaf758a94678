package dev.pooly.pool.internal;

import dev.pooly.supervisor.ExitReason;

/** A worker known to the pool. Fields are guarded by the pool lock; volatile ones are also read without it. */
public final class Worker<W> {
    final W resource;
    final long pid;
    volatile WorkerState state = WorkerState.STARTING;
    volatile int uses;
    /** The lease it is out on while BUSY, else null. */
    volatile Grant<W> lease;
    /** Which stay on the idle list this is, so a stale overflow_ttl timer does nothing. */
    long idleSeq;
    /** Its overflow_ttl passed while a health check had it: it leaves when the check gives it back. */
    boolean ttlDue;
    /** When it became ready (pool clock), for backoff: a crash soon after that is a short run. */
    long readyNanos;
    /** Its slot, POOLY_WORKER_INDEX: held from its start until it leaves, or handed to its replacement. */
    final int slot;
    /** Its id as status shows it (POOLY_WORKER). */
    final String id;
    /** Why the pool stopped it, set as it becomes LEAVING; null for a worker that died on its own. */
    volatile ExitReason leaving;
    /** Its process tree was found over max_memory while it was lent: replaced at checkin. */
    volatile String overMemory;
    /** The worker settings' generation it was started with ({@link #reconfigure}); old ones are rolled. */
    long gen;
    /**
     * System nanos when its current lease was lent, kept only for a pool with a {@link PoolListener}.
     * Here rather than in the lease so that metrics make no lease larger. Written in {@code lend()}
     * under the lock before {@link #lease} publishes the lease (so every thread that reaches the lease
     * sees it); read by {@link Grant#end} before its CAS. A worker is lent again only after its lease
     * ended, so while a lease is active the value is that lease's: the race it avoids is a new lease's
     * time being read for an old one.
     */
    long lentAt;
    /**
     * Nanos the taker of its current lease waited in the queue (listener only). Written by that taker
     * after the hand-off and read by the same thread before {@code checkout} returns: no other lease
     * of this worker can exist in between, because until then nobody but the pool can end the lease,
     * and every pool-side ending (timeout, death, close) kills the worker instead of relending it.
     */
    long waitedNanos;
    Worker<W> prev, next;

    Worker(W resource, long pid, int slot, String id) {
        this.resource = resource;
        this.pid = pid;
        this.slot = slot;
        this.id = id;
    }

    public int slot() { return slot; }

    public W resource() { return resource; }

    public long pid() { return pid; }

    public int uses() { return uses; }

    public WorkerState state() { return state; }

    /** Under the pool lock. Throws on a move the state machine does not have: a bug in the pool, never the caller's. */
    void to(WorkerState next, String pool) {
        if (!state.canBecome(next)) {
            throw new IllegalStateException("pool " + pool + ": worker " + pid + " cannot go from " + state + " to " + next
                    + " (a pool bookkeeping bug; please report it)");
        }
        state = next;
    }
}
