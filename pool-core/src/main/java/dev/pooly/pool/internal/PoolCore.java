package dev.pooly.pool.internal;

import dev.pooly.pool.LeaseRevokedException.Reason;
import dev.pooly.pool.OnAbandon;
import dev.pooly.pool.PoolClosedException;
import dev.pooly.pool.PoolException;
import dev.pooly.pool.PoolHealth;
import dev.pooly.pool.PoolInterruptedException;
import dev.pooly.pool.PoolListener;
import dev.pooly.pool.PoolStatus;
import dev.pooly.pool.PoolStrategy;
import dev.pooly.pool.PoolTimeoutException;
import dev.pooly.pool.WorkerExit;
import dev.pooly.pool.WorkerStartException;
import dev.pooly.supervisor.Backoff;
import dev.pooly.supervisor.ExitReason;
import dev.pooly.supervisor.Intensity;
import dev.pooly.supervisor.RestartWindow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * poolboy's state machine, over any kind of worker.
 *
 * <p>State: idle workers, a FIFO queue of waiters, and counters. Accounting invariant, kept by every
 * transition: {@code idle + busy + starting + dying + missing == size + overflow}, where {@code dying}
 * counts workers found dead whose exit is not reported yet and {@code missing} base workers whose start
 * failed and will be retried. Transitions run under {@link #lock}, each O(1); anything slow (spawn,
 * stop, kill, a peek at a worker's pipe) happens outside it.
 *
 * <p>Two state machines, both with checked transitions:
 * <ul>
 * <li>A worker ({@link WorkerState}): {@code STARTING -> IDLE <-> BUSY}; from IDLE or BUSY to
 *     {@code DYING} (found dead, exit not yet seen) or {@code LEAVING} (the pool stops it: off the books
 *     at once); every path ends in {@code GONE} when its exit is seen. Changed under the lock only.</li>
 * <li>A lease ({@link Grant}): {@code ACTIVE -> ended(reason)}, once, by compare-and-set, so the holder
 *     (checkin, discard, abandon) and the pool (lease_timeout, request deadline, worker death, close)
 *     race and exactly one wins. A worker points at its current lease; a lease never points anywhere
 *     but at its worker, and a new lease is a new object, so no lease can revive or reset another.</li>
 * </ul>
 *
 * <p>A worker goes back to idle only when it is quiet: its lease ended, no operation on the lease is
 * in progress, no request written through the lease is unanswered, and {@link WorkerSource#unread}
 * finds nothing unread. Otherwise it is killed and replaced. The same peek is made again just before
 * an idle worker is lent; see {@link dev.pooly.pool.Lease} for the window that remains.
 *
 * <p>Waiters park on their own {@link CompletableFuture}. Handing a worker over is
 * {@code complete(grant)} and cancelling is {@code completeExceptionally(CANCELLED)}: whichever
 * comes first wins, so a worker handed to a caller at the instant its wait times out is never lost
 * (poolboy #64/#70).
 *
 * <p>Thread-safe. See {@link #checkout} for interrupts; {@link #close} fails waiters and ends leases
 * with {@link Reason#POOL_CLOSED}.
 */
public final class PoolCore<W> {
    static final Logger LOG = LoggerFactory.getLogger("pooly.pool");

    /**
     * The pool's settings that the state machine needs.
     *
     * @param backoff delays the replacement of a worker that crashed soon after it became ready
     * @param health  the workers' health check, or null
     * @param maxMemory bytes a worker's process tree may use; 0 = no limit
     */
    public record Settings(String name, String command, int size, int maxOverflow, PoolStrategy strategy,
                           Duration overflowTtl, int maxUses, Duration leaseTimeout, OnAbandon onAbandon,
                           Intensity intensity, Backoff backoff, PoolHealth health, long maxMemory) {
        public Settings {
            java.util.Objects.requireNonNull(backoff, "backoff");
        }

        /** Settings without backoff: a crashed worker is replaced at once. */
        public Settings(String name, String command, int size, int maxOverflow, PoolStrategy strategy, Duration overflowTtl,
                        int maxUses, Duration leaseTimeout, OnAbandon onAbandon, Intensity intensity) {
            this(name, command, size, maxOverflow, strategy, overflowTtl, maxUses, leaseTimeout, onAbandon, intensity, Backoff.NONE, null, 0);
        }
    }

    /** Replaced by {@link #reconfigure} under the lock; volatile for the reads outside it. */
    volatile Settings settings;
    final WorkerSource<W> source;
    final Consumer<String> onGiveUp;
    final PoolClock clock;
    final PoolListener listener;
    /** The pool lock: every change of the books below, O(1) per transition, no I/O while held. */
    final ReentrantLock lock = new ReentrantLock();
    // ---- the books, guarded by lock (see the invariant above)
    final WorkerList<W> idle = new WorkerList<>();
    final WaitQueue<Grant<W>> waiters = new WaitQueue<>();
    int busy;
    int overflow;
    int starting;
    int dying;
    int missing;
    /** Workers beyond size + overflow that a shrink dismisses as they come back. */
    int pendingShrink;
    /** 1 while a rolling replacement holds one extra worker (starting, or new while an old one is out). */
    int surge;
    final Slots slots = new Slots();
    // ---- also guarded by lock
    private long idleSeq;
    private long leaseSeq;
    boolean closed;
    private PoolException closedWith;
    RestartWindow crashes;
    long retryBackoffMs = 100;
    boolean retryScheduled;
    // ---- read without the lock
    final Set<Worker<W>> live = ConcurrentHashMap.newKeySet();
    volatile String lastError;
    volatile Consumer<? super WorkerExit> exitListener;
    /** The last worker exit reported, for the status; written after the lock, read without it. */
    volatile WorkerExit lastExit;
    // ---- the parts
    final WorkerLifecycle<W> life = new WorkerLifecycle<>(this);
    final Reload<W> reload = new Reload<>(this);
    final HealthChecks<W> health;
    final MemorySampler<W> memory;
    private final PoolClock.Scheduled sweeper;

    public PoolCore(Settings settings, WorkerSource<W> source, Consumer<String> onGiveUp) {
        this(settings, source, onGiveUp, PoolClock.SYSTEM);
    }

    public PoolCore(Settings settings, WorkerSource<W> source, Consumer<String> onGiveUp, PoolClock clock) {
        this(settings, source, onGiveUp, clock, PoolListener.NONE);
    }

    /** @param listener told of checkouts, leases and worker exits (see its thread rules) */
    public PoolCore(Settings settings, WorkerSource<W> source, Consumer<String> onGiveUp, PoolClock clock, PoolListener listener) {
        this.listener = listener;
        this.settings = settings;
        this.source = source;
        this.onGiveUp = onGiveUp;
        this.clock = clock;
        this.crashes = new RestartWindow(settings.intensity());
        this.sweeper = clock.every(Sweeper.PERIOD, new Sweeper<>(this)::sweep);
        this.health = new HealthChecks<>(this, settings);
        this.memory = new MemorySampler<>(this, settings);
    }

    public Settings settings() { return settings; }

    /** Starts the {@code size} base workers. Returns at once. */
    public void fill() {
        int n;
        int[] fresh;
        // fill racing exits and checkouts: the count of workers to start is read and reserved in one step.
        lock.lock();
        try {
            n = settings.size() - (idle.size() + busy + starting + dying + missing - overflow - surge);
            starting += Math.max(0, n);
            fresh = new int[Math.max(0, n)];
            for (int i = 0; i < fresh.length; i++) fresh[i] = slots.take();
        } finally {
            lock.unlock();
        }
        for (int slot : fresh) life.spawn(slot);
    }

    // ---- checkout ---------------------------------------------------------------------------------

    /**
     * Checks out a worker, waiting up to {@code timeout} in FIFO order; with {@code block} false,
     * answers null at once when the pool is full (no idle worker and no overflow left). A worker with
     * unread output is replaced instead of lent, and the caller tries again within its time.
     *
     * <p>Interrupt: the caller leaves the queue; a worker handed over in that same instant is checked
     * back in; {@link PoolInterruptedException} is thrown with the flag set.
     */
    public Grant<W> checkout(Duration timeout, boolean block) {
        Grant<W> grant;
        try {
            grant = checkoutOnce(timeout, block);
            // Outside the lock: a peek at the pipe is a system call. The worker is BUSY, so nobody else sees it meanwhile.
            if (grant != null && (source.unread(grant.worker.resource) != null || health.checksOnCheckout())) grant = checkoutPastNoise(grant, timeout, block);
        } catch (PoolTimeoutException e) {
            listener.checkout(PoolListener.CheckoutResult.TIMEOUT, timeout.toNanos());
            throw e;
        } catch (RuntimeException e) {
            listener.checkout(PoolListener.CheckoutResult.ERROR, 0);
            throw e;
        }
        // No clock read here: the wait is 0 unless the caller queued (await measured it).
        if (grant == null) listener.checkout(PoolListener.CheckoutResult.FULL, 0);
        else listener.checkout(PoolListener.CheckoutResult.OK, grant.worker.waitedNanos);
        return grant;
    }

    /** The slow path: {@code grant}'s worker wrote output nobody asked for; replace it and try again within the time left. */
    private Grant<W> checkoutPastNoise(Grant<W> grant, Duration timeout, boolean block) {
        // The first attempt's time is not known here (the fast path does not read the clock); a retry
        // only ever follows a protocol violation, and each costs the caller at most one more timeout.
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String noise = source.unread(grant.worker.resource);
            if (noise == null) {
                // on_checkout: a worker that fails its check was replaced by probe(); try again within the time left.
                if (!health.checksOnCheckout() || health.probe(grant)) return grant;
            } else {
                LOG.atWarn().addKeyValue("pool", settings.name()).addKeyValue("pid", grant.worker.pid).log("pool {}: worker {} wrote output nobody asked for while idle ({}); replacing it instead of lending it",
                        settings.name(), grant.worker.pid, noise);
                grant.end(Ending.NOT_LENT);
                takeBack(grant, "unread output");
            }
            grant = checkoutOnce(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), block);
            if (grant == null) return null;
        }
    }

    private Grant<W> checkoutOnce(Duration timeout, boolean block) {
        WaitQueue.Waiter<Grant<W>> waiter;
        int spawn = -1;
        // Two callers must never pop the same idle worker, nor both take the last overflow slot.
        lock.lock();
        try {
            if (closed) throw new PoolClosedException(closedWith.getMessage(), closedWith);
            Worker<W> w;
            while ((w = settings.strategy() == PoolStrategy.LIFO ? idle.removeFirst() : idle.removeLast()) != null) {
                if (source.alive(w.resource)) return lend(w, Thread.currentThread());
                // Died a moment ago (e.g. its tree was just killed); exited() does the accounting when the exit arrives.
                w.to(WorkerState.DYING, settings.name());
                dying++;
            }
            // Only start a worker if those already starting are all promised to earlier waiters.
            if (starting <= waiters.size()) {
                if (missing > 0) {
                    missing--;
                    starting++;
                    spawn = slots.take();
                } else if (overflow < settings.maxOverflow()) {
                    overflow++;
                    starting++;
                    spawn = slots.take();
                } else if (!block) {
                    return null;
                }
            }
            waiter = waiters.enqueue();
        } finally {
            lock.unlock();
        }
        if (spawn >= 0) life.spawn(spawn);
        return await(waiter, timeout);
    }

    private Grant<W> await(WaitQueue.Waiter<Grant<W>> waiter, Duration timeout) {
        // Only a queued caller of a listened-to pool needs the clock; the fast path never gets here.
        boolean timed = listener != PoolListener.NONE;
        long since = timed ? System.nanoTime() : 0;
        Grant<W> grant;
        try {
            grant = waiter.await(timeout.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            grant = waiter.cancelOrTake();
            if (grant != null) checkin(grant); // handed over in the same instant: back it goes
            else dequeue(waiter);
            throw new PoolInterruptedException("pool " + settings.name() + ": interrupted while waiting for a worker");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof PoolException p) throw rethrown(p);
            throw new PoolException("pool " + settings.name() + ": " + cause, cause);
        } catch (CancellationException e) {
            throw new PoolException("pool " + settings.name() + ": checkout cancelled");
        }
        if (grant == null) {
            dequeue(waiter);
            throw new PoolTimeoutException("pool " + settings.name() + ": no worker available within " + format(timeout));
        }
        if (timed) grant.worker.waitedNanos = System.nanoTime() - since;
        return grant;
    }

    private void dequeue(WaitQueue.Waiter<Grant<W>> w) {
        // A waiter that timed out leaves the queue under the lock, so no checkin hands it a worker afterwards.
        lock.lock();
        try {
            waiters.remove(w);
        } finally {
            lock.unlock();
        }
    }

    /** A fresh exception for this caller's stack, keeping the type and message. */
    private static PoolException rethrown(PoolException p) {
        return switch (p) {
            case WorkerStartException s -> new WorkerStartException(s.getMessage(), s);
            case PoolClosedException c -> new PoolClosedException(c.getMessage(), c);
            default -> new PoolException(p.getMessage(), p);
        };
    }


    /** Lends idle {@code w} to {@code holder}: a new lease object. Under the lock. */
    Grant<W> lend(Worker<W> w, Thread holder) {
        w.to(WorkerState.BUSY, settings.name());
        Grant<W> grant = new Grant<>(this, w, holder, ++leaseSeq);
        // A clock read (no I/O) only when someone listens. Both fields before the volatile write of w.lease.
        if (listener != PoolListener.NONE) {
            w.lentAt = System.nanoTime();
            w.waitedNanos = 0; // served at once unless await() says otherwise
        }
        w.lease = grant;
        w.uses++;
        busy++;
        if (!settings.leaseTimeout().isZero()) {
            grant.leaseTimer = clock.after(settings.leaseTimeout(), () -> revoke(grant, new Ending(Reason.LEASE_TIMEOUT,
                    "was revoked after lease_timeout " + format(settings.leaseTimeout()) + "; the worker was killed")));
        }
        return grant;
    }

    /** Hands idle {@code w} to the first waiter still waiting. Under the lock. */
    private boolean handToWaiter(Worker<W> w) {
        WaitQueue.Waiter<Grant<W>> first;
        while ((first = waiters.poll()) != null) {
            Grant<W> grant = lend(w, first.thread);
            if (first.handOver(grant)) return true;
            // That waiter timed out at this very moment: the lease never reached anyone; try the next one.
            grant.end(Ending.NOT_LENT);
            unlend(w);
            w.uses--;
            w.to(WorkerState.IDLE, settings.name());
        }
        return false;
    }
    /** {@code w}'s lease is over as far as the books go. Under the lock. */
    void unlend(Worker<W> w) {
        Grant<W> grant = w.lease;
        if (grant.leaseTimer != null) grant.leaseTimer.cancel();
        grant.leaseTimer = null;
        grant.requestDeadline = 0;
        w.lease = null;
        busy--;
    }

    // ---- checkin, discard, abandon, revoke -------------------------------------------------------

    /**
     * The holder checks its lease in. The worker goes back only if quiet (see the class comment);
     * otherwise it is replaced. A lease the pool already ended is accepted silently.
     *
     * @throws IllegalStateException the lease was already checked in or discarded by its holder
     */
    public void checkin(Grant<W> grant) {
        owned(grant);
        if (!grant.end(Ending.CHECKED_IN)) {
            Reason why = grant.endReason();
            if (why == Reason.CHECKED_IN) {
                throw new IllegalStateException("lease on worker " + grant.worker.pid + " of pool " + settings.name()
                        + " was already checked in: you most likely called close() twice");
            }
            return;
        }
        giveBack(grant, "at checkin");
    }

    /** The holder knows the worker is broken: kill it and replace it. */
    public void discard(Grant<W> grant) {
        owned(grant);
        if (!grant.end(Ending.DISCARDED)) {
            Reason why = grant.endReason();
            if (why == Reason.CHECKED_IN || why == Reason.DISCARDED) {
                throw new IllegalStateException("lease on worker " + grant.worker.pid + " of pool " + settings.name()
                        + " has already ended (" + why.label() + "): discard() after close() or discard()");
            }
            return;
        }
        takeBack(grant, "discarded by its holder");
    }

    /** The holder vanished (or said so): apply {@code on_abandon}. A lease that already ended is left alone. */
    public void abandon(Grant<W> grant) {
        owned(grant);
        if (!grant.end(Ending.ABANDONED)) return;
        if (settings.onAbandon() == OnAbandon.RETURN) giveBack(grant, "when abandoned");
        else takeBack(grant, "abandoned (on_abandon: replace)");
    }

    /** The pool ends {@code grant} with {@code why} and kills its worker (lease_timeout, a request deadline). */
    void revoke(Grant<W> grant, Ending why) {
        if (!grant.end(why)) return;
        takeBack(grant, why.reason().label());
    }

    /** Returns the worker of ended {@code grant} to the pool if it is quiet, else replaces it. */
    private void giveBack(Grant<W> grant, String when) {
        // Outside the lock: the lease has ended, so no new operation can start (see Grant.enter).
        String noise = grant.lingering();
        if (noise == null) noise = source.unread(grant.worker.resource);
        if (noise != null) {
            LOG.atWarn().addKeyValue("pool", settings.name()).addKeyValue("pid", grant.worker.pid)
                    .log("pool {}: worker {} not quiet {} ({}); replacing it", settings.name(), grant.worker.pid, when, noise);
            takeBack(grant, "not quiet");
            return;
        }
        String untrusted = grant.uncountedWhy();
        if (untrusted != null && (untrusted = health.proveQuiet(grant, untrusted)) != null) {
            LOG.info("pool {}: worker {} not returned {}: its lease {}; replacing it", settings.name(), grant.worker.pid, when, untrusted);
            takeBack(grant, "uncounted lease");
            return;
        }
        // Made only when the checkin has effects (a worker to stop or start): a plain checkin allocates
        // nothing beyond the lease (the escape analysis cannot remove it, Effects.run() is too large).
        Effects<W> fx = null;
        // The worker's exit or the pool's close may have taken it back since the lease ended: recheck under the lock.
        lock.lock();
        try {
            Worker<W> w = grant.worker;
            // The pool took the worker back meanwhile (it died, the pool closed): nothing left to return.
            if (w.lease != grant) return;
            unlend(w);
            if (!source.alive(w.resource)) {
                // Died a moment ago and its exit is not reported yet: never lend it again; exited() accounts for it.
                w.to(WorkerState.DYING, settings.name());
                dying++;
                return;
            }
            w.to(WorkerState.IDLE, settings.name());
            if (w.overMemory != null) {
                w.leaving = ExitReason.MEMORY;
                lastError = "worker " + w.pid + " " + w.overMemory + "; replaced at checkin";
                LOG.atWarn().addKeyValue("pool", settings.name()).addKeyValue("pid", w.pid)
                        .log("pool {}: worker {} {}; replacing it at checkin", settings.name(), w.pid, w.overMemory);
                retire(w, fx = new Effects<>(this));
            } else if (w == reload.retiring) {
                retire(w, fx = new Effects<>(this)); // rolled: its replacement is ready and idle or lent already
            } else if (settings.maxUses() > 0 && w.uses >= settings.maxUses()) {
                w.leaving = ExitReason.MAX_USES;
                retire(w, fx = new Effects<>(this)); // recycled (PHP-FPM's pm.max_requests)
            } else {
                fx = release(w, null);
            }
        } finally {
            lock.unlock();
        }
        if (fx != null) fx.run();
    }

    /** The worker of ended {@code grant} is killed and replaced; {@code why} goes to the debug log. */
    void takeBack(Grant<W> grant, String why) {
        Effects<W> fx = new Effects<>(this);
        // As in giveBack: exited() or close() may have taken the worker back already.
        lock.lock();
        try {
            Worker<W> w = grant.worker;
            if (w.lease != grant) return; // already taken back (died, pool closed)
            unlend(w);
            if (w.leaving == null) {
                // Found dead already (its exit not yet reported): it ended on its own, whatever the lease's ending.
                w.leaving = source.alive(w.resource) ? exitReasonOf(grant.endReason()) : ExitReason.CRASH;
            }
            retire(w, fx);
            fx.kill(w);
        } finally {
            lock.unlock();
        }
        fx.run();
        LOG.debug("pool {}: worker {} killed and replaced ({})", settings.name(), grant.worker.pid, why);
    }

    /** Why a worker whose lease ended with {@code reason} is killed and replaced. */
    private static ExitReason exitReasonOf(Reason reason) {
        return switch (reason) {
            case ABANDONED -> ExitReason.ABANDONED;
            case LEASE_TIMEOUT -> ExitReason.LEASE_TIMEOUT;
            case REQUEST_TIMEOUT -> ExitReason.REQUEST_TIMEOUT;
            case WORKER_DIED -> ExitReason.CRASH;
            case POOL_CLOSED -> ExitReason.STOPPED;
            // The holder discarded it, or it was not quiet (output nobody asked for): the pool killed it.
            case CHECKED_IN, DISCARDED -> ExitReason.KILLED;
        };
    }

    private void owned(Grant<W> grant) {
        if (grant.pool != this) {
            throw new IllegalStateException("that lease belongs to pool " + grant.pool.settings.name()
                    + " (or an earlier incarnation of it), not to pool " + settings.name());
        }
    }

    /**
     * poolboy's checkin for an IDLE worker not on the list: first waiter, else dismiss if overflow, else
     * idle. Under the lock. Returns {@code fx}, or a new one if {@code fx} is null and the worker leaves;
     * null when there is nothing to do after the lock (the common checkin).
     */
    Effects<W> release(Worker<W> w, Effects<W> fx) {
        if (closed) {
            dismiss(w, fx = orNew(fx));
            return fx;
        }
        if (handToWaiter(w)) return fx;
        if (pendingShrink > 0 && overflow > 0) {
            // A shrink made this one surplus: it leaves now that it is back.
            pendingShrink--;
            overflow--;
            dismiss(w, fx = orNew(fx)); // scaled down
            return fx;
        }
        if (overflow > 0) {
            if (settings.overflowTtl().isZero()) {
                overflow--;
                w.leaving = ExitReason.OVERFLOW_TTL;
                dismiss(w, fx = orNew(fx));
                return fx;
            }
            long seq = w.idleSeq = ++idleSeq;
            clock.after(settings.overflowTtl(), () -> expireOverflow(w, seq));
        }
        idle.addFirst(w);
        return fx;
    }

    private Effects<W> orNew(Effects<W> fx) {
        return fx != null ? fx : new Effects<>(this);
    }

    private void expireOverflow(Worker<W> w, long seq) {
        Effects<W> fx = new Effects<>(this);
        // A checkout may have taken the worker since this timer was set (idleSeq says so).
        lock.lock();
        try {
            // Lent and returned since this timer was set: a later timer owns it now.
            if (w.state != WorkerState.IDLE || w.idleSeq != seq || overflow == 0) return;
            idle.remove(w);
            overflow--;
            w.leaving = ExitReason.OVERFLOW_TTL;
            dismiss(w, fx);
        } finally {
            lock.unlock();
        }
        fx.run();
    }

    /** The pool stops {@code w} (not on the idle list): it is gone from the books now. Under the lock. */
    void dismiss(Worker<W> w, Effects<W> fx) {
        leave(w, fx);
        slots.free(w.slot);
    }

    /** {@code w} leaves the books and is stopped; its slot stays taken (the caller passes it on). Under the lock. */
    void leave(Worker<W> w, Effects<W> fx) {
        if (w.leaving == null) w.leaving = ExitReason.STOPPED;
        w.to(WorkerState.LEAVING, settings.name());
        live.remove(w);
        fx.dismiss(w);
    }

    /** {@code w} (off the idle list) leaves for good and is replaced as if it had died. Under the lock. */
    void retire(Worker<W> w, Effects<W> fx) {
        leave(w, fx);
        if (w == reload.retiring) {
            // Its replacement is running already (the roll's surge, which took a slot of its own): leaving
            // settles the surge and frees this worker's slot instead of handing it on.
            slots.free(w.slot);
            reload.retiring = null;
            surge--;
            reload.rollStep(fx);
            return;
        }
        replace(fx, w.slot);
    }

    /**
     * poolboy's handle_worker_exit: a waiter gets a new worker; else an overflow slot is freed; else a new
     * idle one. The replacement takes {@code slot}, the slot of the worker it replaces. Under the lock.
     */
    void replace(Effects<W> fx, int slot) {
        if (!closed && (waiters.size() > 0 || overflow == 0)) {
            starting++;
            fx.spawn(slot);
        } else {
            if (!closed) overflow--;
            slots.free(slot);
        }
    }


    /** Marks a request on {@code grant} that must be answered within {@code deadline} (the sweeper enforces it). */
    public void requestStarted(Grant<W> grant, Duration deadline) {
        grant.requestDeadline = clock.nanoTime() + Math.max(1, deadline.toNanos());
    }

    public void requestFinished(Grant<W> grant) {
        grant.requestDeadline = 0;
    }

    // ---- close and status ------------------------------------------------------------------------

    /** Stops this incarnation: waiters fail with {@code why}, leases end with {@link Reason#POOL_CLOSED}, workers are dismissed. */
    public void close(PoolException why) {
        Effects<W> fx = new Effects<>(this);
        // Checkouts and checkins after this see closed; every lease ends before its worker is dismissed.
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            closedWith = why;
            waiters.failAll(why);
            Ending ending = new Ending(Reason.POOL_CLOSED, "is void: pool " + settings.name() + " stopped (" + why.getMessage()
                    + ") and the worker with it");
            for (Worker<W> w : List.copyOf(live)) {
                switch (w.state) {
                    case BUSY -> {
                        Grant<W> grant = w.lease;
                        unlend(w);
                        grant.end(ending);
                    }
                    case IDLE -> idle.remove(w);
                    case DYING -> dying--;
                    default -> {
                        continue; // LEAVING/GONE are off the books; STARTING never shows outside ready()
                    }
                }
                dismiss(w, fx);
            }
        } finally {
            lock.unlock();
        }
        sweeper.cancel();
        health.cancel();
        memory.cancel();
        fx.run();
    }

    public boolean isClosed() {
        // A plain read of a boolean another thread sets under the lock.
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    public PoolStatus status() {
        int idleN, busyN, overflowN, waitingN, startingN;
        // One consistent snapshot of the counters (the worker list is read lock-free and may differ slightly).
        lock.lock();
        try {
            idleN = idle.size();
            busyN = busy;
            overflowN = overflow;
            waitingN = waiters.size();
            startingN = starting;
        } finally {
            lock.unlock();
        }
        List<PoolStatus.Worker> workers = new ArrayList<>();
        for (Worker<W> w : live) {
            PoolStatus.WorkerState shown = switch (w.state) {
                case STARTING -> PoolStatus.WorkerState.STARTING;
                case IDLE -> PoolStatus.WorkerState.IDLE;
                case BUSY -> PoolStatus.WorkerState.BUSY;
                case DYING, LEAVING, GONE -> PoolStatus.WorkerState.STOPPING;
            };
            workers.add(new PoolStatus.Worker(w.pid, shown, w.uses, w.id, w.slot));
        }
        workers.sort(java.util.Comparator.comparingLong(PoolStatus.Worker::pid));
        for (int i = 0; i < startingN; i++) workers.add(new PoolStatus.Worker(0, PoolStatus.WorkerState.STARTING, 0));
        return new PoolStatus(settings.name(), PoolStatus.stateOf(idleN, overflowN, settings.maxOverflow()),
                settings.size(), settings.maxOverflow(), idleN, busyN, overflowN, waitingN, startingN, workers, lastError, lastExit);
    }

    /** The books, for tests: idle, busy, overflow, starting, dying, missing, waiting, slots taken. Consistent (one lock hold). */
    int[] books() {
        // One consistent snapshot for the model test.
        lock.lock();
        try {
            return new int[] {idle.size(), busy, overflow, starting, dying, missing, waiters.size(), slots.taken()};
        } finally {
            lock.unlock();
        }
    }

    static String format(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    /** Tells {@code listener} of every worker exit, with its reason (metrics count them). Replaces any earlier listener. */
    public void onWorkerExit(Consumer<? super WorkerExit> listener) {
        exitListener = listener;
    }



    /** See {@link Reload#reconfigure}. */
    public void reconfigure(Settings next, boolean newWorkers) {
        reload.reconfigure(next, newWorkers);
    }

    /** Whether a rolling replacement is under way (for status and tests). */
    public boolean rolling() {
        return reload.rolling();
    }
}
