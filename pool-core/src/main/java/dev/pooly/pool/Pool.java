package dev.pooly.pool;

import java.time.Duration;
import java.util.Optional;

/**
 * A named pool of worker processes, stable across restarts of the pool itself: while the pool is
 * restarting, checkouts wait (within their timeout) for the new incarnation.
 *
 * <p>Thread-safety: safe for any number of threads, platform or virtual. Interrupt: a caller
 * interrupted while waiting leaves the queue (nothing is leaked; a worker handed over in that same
 * instant goes back) and gets {@link PoolInterruptedException} with its interrupt flag set. After the
 * pool is shut down for good, checkouts fail with {@link PoolClosedException}. Memory effects: a
 * checkin that returns a worker to idle happens-before the checkout that next lends it (see
 * {@link Lease}).
 */
public interface Pool {
    String name();

    /** Checks out a worker, waiting up to the pool's {@code checkout_timeout}. */
    default Lease checkout() {
        return checkout(spec().checkoutTimeout());
    }

    /**
     * Checks out a worker, waiting up to {@code timeout} in a strict FIFO queue.
     *
     * @throws PoolTimeoutException   no worker within {@code timeout}
     * @throws WorkerStartException   the worker started for this caller could not start
     * @throws PoolClosedException    the pool is shut down
     */
    Lease checkout(Duration timeout);

    /** Checks out an idle worker, or starts an overflow one, or answers empty at once (poolboy's {@code full}). */
    Optional<Lease> tryCheckout();

    /**
     * Checks out a worker, runs {@code work} with it and always checks it in, also when {@code work}
     * throws; what {@code work} throws propagates unchanged. The checkin is the quiet checkin of
     * {@link Lease}: if {@code work} wrote a request and did not read its answer (an exception between
     * the write and the read), or left output unread, the worker is killed and replaced, so no answer
     * reaches the next holder. An exception with the worker quiet returns the worker as it is: the
     * exception says nothing about the worker; call {@link Lease#discard()} inside {@code work} when it
     * does.
     *
     * @param <E> what {@code work} may throw; inferred, so a lambda that throws nothing checked needs no try/catch
     */
    default <T, E extends Exception> T transaction(Duration timeout, LeaseFunction<T, E> work) throws E {
        try (Lease lease = checkout(timeout)) {
            return work.apply(lease);
        }
    }

    /** As {@link #transaction(Duration, LeaseFunction)} with the pool's {@code checkout_timeout}. */
    default <T, E extends Exception> T transaction(LeaseFunction<T, E> work) throws E {
        return transaction(spec().checkoutTimeout(), work);
    }

    /** A snapshot of the pool, as {@code pooly status} shows it. Never waits. */
    PoolStatus status();

    PoolSpec spec();

    /**
     * Calls {@code listener} once for every worker whose process ended, with the reason, across
     * restarts of the pool. Called on the thread that saw the exit, outside the pool's lock: it must be
     * quick and must not call back into the pool. Thread-safe; listeners cannot be removed.
     */
    default void onWorkerExit(java.util.function.Consumer<? super WorkerExit> listener) {
        throw new UnsupportedOperationException("pool " + name() + " does not report worker exits");
    }

    /**
     * Applies new settings to the running pool, in place (a reload). Size and max_overflow: growing
     * starts workers; shrinking dismisses idle workers at once and busy ones at their checkin.
     * Strategy, timeouts, max_uses, on_abandon, intensity, health and max_memory apply from the next
     * checkout/checkin or check round.
     * A changed worker spec rolls the workers: one extra new worker starts, and once it is ready one
     * old worker leaves (an idle one at once, a busy one at its checkin), then the next; capacity never
     * drops below the size and no caller sees an error caused by it. Returns at once.
     *
     * @throws IllegalArgumentException {@code next} names another pool
     */
    void reconfigure(PoolSpec next);

    /** {@link #reconfigure} with only the size and max_overflow changed. */
    void resize(int size, int maxOverflow);

    /**
     * Work done with a lease inside {@link #transaction}; {@code E} is what it may throw. Need not be
     * thread-safe: it runs once, on the thread that called {@link #transaction}, and the lease is checked
     * in as soon as it returns, so it must not keep the lease.
     */
    @FunctionalInterface
    interface LeaseFunction<T, E extends Exception> {
        T apply(Lease lease) throws E;
    }
}
