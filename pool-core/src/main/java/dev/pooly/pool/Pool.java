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
 * pool is shut down for good, checkouts fail with {@link PoolClosedException}.
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
     * throws (then the worker is discarded if the exception says the worker is broken).
     */
    default <T> T transaction(Duration timeout, LeaseFunction<T> work) throws Exception {
        try (Lease lease = checkout(timeout)) {
            return work.apply(lease);
        }
    }

    default <T> T transaction(LeaseFunction<T> work) throws Exception {
        return transaction(spec().checkoutTimeout(), work);
    }

    /** A snapshot of the pool, as {@code pooly status} shows it. Never waits. */
    PoolStatus status();

    PoolSpec spec();

    /** Work done with a lease inside {@link #transaction}. */
    @FunctionalInterface
    interface LeaseFunction<T> {
        T apply(Lease lease) throws Exception;
    }
}
