package dev.pooly.pool;

import dev.pooly.supervisor.ExitReason;

/**
 * What a pool tells an observer about its traffic, for metrics: checkouts by result with their wait,
 * leases with how long they were held, and workers leaving with why. pool-core depends on no metrics
 * library; the daemon binds this to Prometheus, a library user to whatever it uses.
 *
 * <p>One listener per pool (it needs no pool name). Methods are called on the threads of callers,
 * holders and the pool's timer, concurrently and sometimes while the pool's lock is held (a worker
 * found dead ends its lease under the lock): each must be quick, non-blocking, thread-safe, must not
 * call back into the pool, and should not allocate (it sits on the checkout path). A listener that
 * throws breaks the pool operation that called it, except {@link #workerExited}: its exception is
 * logged, and that exit then reaches no {@link Pool#onWorkerExit} listener. Interrupts: not
 * applicable (never blocks).
 */
public interface PoolListener {
    /** Observes nothing; the default. */
    PoolListener NONE = new PoolListener() {};

    /** How a checkout ended, the {@code result} label of {@code pooly_checkouts_total}. Immutable. */
    enum CheckoutResult {
        /** A worker was lent. */
        OK,
        /** No worker within the caller's timeout. */
        TIMEOUT,
        /** A non-blocking checkout found the pool full. */
        FULL,
        /** Anything else: a worker that could not start, the pool closing, an interrupt. */
        ERROR
    }

    /**
     * A checkout ended with {@code result} after waiting {@code waitNanos} in the queue (0 when it was
     * served without queueing: the fast path reads no clock).
     */
    default void checkout(CheckoutResult result, long waitNanos) {}

    /** A lease ended (however: checkin, discard, abandon, timeout, death, close) after {@code heldNanos}. */
    default void leaseEnded(long heldNanos) {}

    /** A worker left the pool, for {@code reason}. Called once per worker that was ready. */
    default void workerExited(ExitReason reason) {}
}
