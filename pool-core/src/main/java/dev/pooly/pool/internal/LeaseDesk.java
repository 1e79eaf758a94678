package dev.pooly.pool.internal;

import dev.pooly.pool.LeaseRevokedException.Reason;
import dev.pooly.pool.OnAbandon;
import dev.pooly.pool.PoolClosedException;
import dev.pooly.pool.PoolException;
import dev.pooly.pool.PoolInterruptedException;
import dev.pooly.pool.PoolListener;
import dev.pooly.pool.PoolTimeoutException;
import dev.pooly.pool.WorkerStartException;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;

/**
 * The holder's side of a lease, outside the pool lock: a checkout with its wait in the queue and its
 * retries past a noisy or unhealthy idle worker, and the endings of a lease by its holder (checkin,
 * discard, abandon) or by a pool timer (revoke). Each ending is first the lease's own CAS
 * ({@link Grant#end}), which decides the race between holder and pool; the winner then asks
 * {@link PoolCore} to change the books: {@link PoolCore#returnIdle} for a quiet worker,
 * {@link PoolCore#takeBack} for one to kill and replace. The looks that decide "quiet" (operations
 * in progress, unanswered requests, unread output, the proof an uncounted lease needs) are system
 * calls and happen here, before the lock.
 *
 * <p>Thread-safe: any holder thread, the sweeper and the pool clock's timers call it at once.
 */
final class LeaseDesk<W> {
    private final PoolCore<W> core;

    LeaseDesk(PoolCore<W> core) {
        this.core = core;
    }

    /**
     * Checks out a worker, waiting up to {@code timeout} in FIFO order; with {@code block} false,
     * answers null at once when the pool is full (no idle worker and no overflow left). A worker with
     * unread output is replaced instead of lent, and the caller tries again within its time.
     *
     * <p>Interrupt: the caller leaves the queue; a worker handed over in that same instant is checked
     * back in; {@link PoolInterruptedException} is thrown with the flag set.
     */
    Grant<W> checkout(Duration timeout, boolean block) {
        Grant<W> grant;
        try {
            grant = core.checkoutOnce(timeout, block);
            // Outside the lock: a peek at the pipe is a system call. The worker is BUSY, so nobody else sees it meanwhile.
            if (grant != null && (core.source.unread(grant.worker.resource) != null || core.health.checksOnCheckout())) grant = checkoutPastNoise(grant, timeout, block);
        } catch (PoolTimeoutException e) {
            core.listener.checkout(PoolListener.CheckoutResult.TIMEOUT, timeout.toNanos());
            throw e;
        } catch (RuntimeException e) {
            core.listener.checkout(PoolListener.CheckoutResult.ERROR, 0);
            throw e;
        }
        // No clock read here: the wait is 0 unless the caller queued (await measured it).
        if (grant == null) core.listener.checkout(PoolListener.CheckoutResult.FULL, 0);
        else core.listener.checkout(PoolListener.CheckoutResult.OK, grant.worker.waitedNanos);
        return grant;
    }

    /** The slow path: {@code grant}'s worker wrote output nobody asked for; replace it and try again within the time left. */
    private Grant<W> checkoutPastNoise(Grant<W> grant, Duration timeout, boolean block) {
        // The first attempt's time is not known here (the fast path does not read the clock); a retry
        // only ever follows a protocol violation, and each costs the caller at most one more timeout.
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String noise = core.source.unread(grant.worker.resource);
            if (noise == null) {
                // on_checkout: a worker that fails its check was replaced by probe(); try again within the time left.
                if (!core.health.checksOnCheckout() || core.health.probe(grant)) return grant;
            } else {
                PoolCore.LOG.atWarn().addKeyValue("pool", core.settings.name()).addKeyValue("pid", grant.worker.pid).log("pool {}: worker {} wrote output nobody asked for while idle ({}); replacing it instead of lending it",
                        core.settings.name(), grant.worker.pid, noise);
                grant.end(Ending.NOT_LENT);
                core.takeBack(grant, "unread output");
            }
            grant = core.checkoutOnce(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), block);
            if (grant == null) return null;
        }
    }

    Grant<W> await(WaitQueue.Waiter<Grant<W>> waiter, Duration timeout) {
        // Only a queued caller of a listened-to pool needs the clock; the fast path never gets here.
        boolean timed = core.listener != PoolListener.NONE;
        long since = timed ? System.nanoTime() : 0;
        Grant<W> grant;
        try {
            grant = waiter.await(timeout.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            grant = waiter.cancelOrTake();
            if (grant != null) checkin(grant); // handed over in the same instant: back it goes
            else core.dequeue(waiter);
            throw new PoolInterruptedException("pool " + core.settings.name() + ": interrupted while waiting for a worker");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof PoolException p) throw rethrown(p);
            throw new PoolException("pool " + core.settings.name() + ": " + cause, cause);
        } catch (CancellationException e) {
            throw new PoolException("pool " + core.settings.name() + ": checkout cancelled");
        }
        if (grant == null) {
            core.dequeue(waiter);
            throw new PoolTimeoutException("pool " + core.settings.name() + ": no worker available within " + PoolCore.format(timeout));
        }
        if (timed) grant.worker.waitedNanos = System.nanoTime() - since;
        return grant;
    }

    /** A fresh exception for this caller's stack, keeping the type and message. */
    private static PoolException rethrown(PoolException p) {
        return switch (p) {
            case WorkerStartException s -> new WorkerStartException(s.getMessage(), s);
            case PoolClosedException c -> new PoolClosedException(c.getMessage(), c);
            default -> new PoolException(p.getMessage(), p);
        };
    }

    /**
     * The holder checks its lease in. The worker goes back only if quiet (see the class comment);
     * otherwise it is replaced. A lease the pool already ended is accepted silently.
     *
     * @return whether the worker was quiet (false also for a lease the pool had ended)
     * @throws IllegalStateException the lease was already checked in or discarded by its holder
     */
    boolean checkin(Grant<W> grant) {
        owned(grant);
        if (!grant.end(Ending.CHECKED_IN)) {
            Reason why = grant.endReason();
            if (why == Reason.CHECKED_IN) {
                throw new IllegalStateException("lease on worker " + grant.worker.pid + " of pool " + core.settings.name()
                        + " was already checked in: you most likely called close() twice");
            }
            return false;
        }
        return giveBack(grant, "at checkin");
    }

    /** The holder knows the worker is broken: kill it and replace it. */
    void discard(Grant<W> grant) {
        owned(grant);
        if (!grant.end(Ending.DISCARDED)) {
            Reason why = grant.endReason();
            if (why == Reason.CHECKED_IN || why == Reason.DISCARDED) {
                throw new IllegalStateException("lease on worker " + grant.worker.pid + " of pool " + core.settings.name()
                        + " has already ended (" + why.label() + "): discard() after close() or discard()");
            }
            return;
        }
        core.takeBack(grant, "discarded by its holder");
    }

    /** The holder vanished (or said so): apply {@code on_abandon}. A lease that already ended is left alone. */
    void abandon(Grant<W> grant) {
        owned(grant);
        if (!grant.end(Ending.ABANDONED)) return;
        if (core.settings.onAbandon() == OnAbandon.RETURN) giveBack(grant, "when abandoned");
        else core.takeBack(grant, "abandoned (on_abandon: replace)");
    }

    /** The pool ends {@code grant} with {@code why} and kills its worker (lease_timeout, a request deadline). */
    void revoke(Grant<W> grant, Ending why) {
        if (!grant.end(why)) return;
        core.takeBack(grant, why.reason().label());
    }

    /** Returns the worker of ended {@code grant} to the pool if it is quiet, else replaces it; whether it was quiet. */
    private boolean giveBack(Grant<W> grant, String when) {
        // Outside the lock: the lease has ended, so no new operation can start (see Grant.enter).
        String noise = grant.lingering();
        if (noise == null) noise = core.source.unread(grant.worker.resource);
        if (noise != null) {
            PoolCore.LOG.atWarn().addKeyValue("pool", core.settings.name()).addKeyValue("pid", grant.worker.pid)
                    .log("pool {}: worker {} not quiet {} ({}); replacing it", core.settings.name(), grant.worker.pid, when, noise);
            core.takeBack(grant, "not quiet");
            return false;
        }
        String untrusted = grant.uncountedWhy();
        if (untrusted != null && (untrusted = core.health.proveQuiet(grant, untrusted)) != null) {
            PoolCore.LOG.info("pool {}: worker {} not returned {}: its lease {}; replacing it", core.settings.name(), grant.worker.pid, when, untrusted);
            core.takeBack(grant, "uncounted lease");
            return false;
        }
        core.returnIdle(grant);
        return true;
    }

    private void owned(Grant<W> grant) {
        if (grant.pool != core) {
            throw new IllegalStateException("that lease belongs to pool " + grant.pool.settings.name()
                    + " (or an earlier incarnation of it), not to pool " + core.settings.name());
        }
    }
}
