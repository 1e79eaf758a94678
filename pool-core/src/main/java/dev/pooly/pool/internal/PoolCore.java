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
 * <p>Two state machines, both with checked transitions: a worker's ({@link WorkerState}, changed
 * under the lock only by {@link Worker#to}) and a lease's ({@link Grant}: {@code ACTIVE -> ended},
 * once, by compare-and-set, so the holder and the pool race and exactly one wins).
 *
 * <p>The parts, each driven by this class and changing the books only under its lock:
 * {@link LeaseDesk} (checkout and the endings of a lease, outside the lock), {@link WaitQueue} (FIFO
 * hand-off and its cancellation race), {@link WorkerLifecycle} (a worker's start, failed start and
 * exit), {@link Reload} (resize and rolling replacement), {@link Sweeper} (request deadlines,
 * abandoned leases), {@link HealthChecks}, {@link MemorySampler}, {@link Slots} and {@link Effects}
 * (what a transition does after unlocking).
 *
 * <p>A worker goes back to idle only when it is quiet: its lease ended, no operation on the lease is
 * in progress, no request written through the lease is unanswered, and {@link WorkerSource#unread}
 * finds nothing unread. Otherwise it is killed and replaced. The same peek is made again just before
 * an idle worker is lent; see {@link dev.pooly.pool.Lease} for the window that remains.
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
    final LeaseDesk<W> desk = new LeaseDesk<>(this);
    final HealthChecks<W> health;
    final MemorySampler<W> memory;
    final Sweeper<W> sweeper = new Sweeper<>(this);
    private final PoolClock.Scheduled sweeps;

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
        this.sweeps = clock.every(Sweeper.PERIOD, sweeper::sweep);
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

    Grant<W> checkoutOnce(Duration timeout, boolean block) {
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
        return desk.await(waiter, timeout);
    }

    void dequeue(WaitQueue.Waiter<Grant<W>> w) {
        // A waiter that timed out leaves the queue under the lock, so no checkin hands it a worker afterwards.
        lock.lock();
        try {
            waiters.remove(w);
        } finally {
            lock.unlock();
        }
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
        w.ttlDue = false;
        w.uses++;
        busy++;
        if (!settings.leaseTimeout().isZero()) {
            grant.leaseTimer = clock.after(settings.leaseTimeout(), () -> desk.revoke(grant, new Ending(Reason.LEASE_TIMEOUT,
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
     * Checks out a worker, waiting up to {@code timeout} in FIFO order; with {@code block} false,
     * answers null at once when the pool is full (no idle worker and no overflow left). See
     * {@link LeaseDesk#checkout}.
     */
    public Grant<W> checkout(Duration timeout, boolean block) {
        return desk.checkout(timeout, block);
    }

    /** The holder checks its lease in; see {@link LeaseDesk#checkin}. */
    public boolean checkin(Grant<W> grant) {
        return desk.checkin(grant);
    }

    /** The holder knows the worker is broken: kill it and replace it; see {@link LeaseDesk#discard}. */
    public void discard(Grant<W> grant) {
        desk.discard(grant);
    }

    /** The holder vanished (or said so): {@code on_abandon} applies; see {@link LeaseDesk#abandon}. */
    public void abandon(Grant<W> grant) {
        desk.abandon(grant);
    }

    /**
     * The books' side of giving back the worker of ended {@code grant}, found quiet: idle again (to a
     * waiter, the idle list, or out if it is over memory, rolled or used up), or DYING if it died a
     * moment ago. Nothing if the pool took it back meanwhile.
     */
    void returnIdle(Grant<W> grant) {
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
            } else if (grant.probe) {
                fx = releaseAfterCheck(w); // a ping is not use: the idle stay goes on
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
        // Asked of the OS before the lock (a /proc read): a worker found dead already, its exit not yet
        // reported, ended on its own, whatever the lease's ending. The kill comes after, so it cannot be that.
        boolean alive = source.aliveNow(grant.worker.resource);
        // As in giveBack: exited() or close() may have taken the worker back already.
        lock.lock();
        try {
            Worker<W> w = grant.worker;
            if (w.lease != grant) return; // already taken back (died, pool closed)
            unlend(w);
            if (w.leaving == null) w.leaving = alive ? Ending.exitReasonOf(grant.endReason()) : ExitReason.CRASH;
            retire(w, fx);
            fx.kill(w);
        } finally {
            lock.unlock();
        }
        fx.run();
        LOG.debug("pool {}: worker {} killed and replaced ({})", settings.name(), grant.worker.pid, why);
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
                expire(w, fx = orNew(fx));
                return fx;
            }
            long seq = w.idleSeq = ++idleSeq;
            clock.after(settings.overflowTtl(), () -> sweeper.expireOverflow(w, seq));
        }
        idle.addFirst(w);
        return fx;
    }

    /**
     * {@link #release} for a worker a health check gives back: its idle stay goes on, so no new
     * overflow_ttl timer (the one of its stay still runs, or ran out during the check: it leaves now).
     * Under the lock.
     */
    private Effects<W> releaseAfterCheck(Worker<W> w) {
        if (closed) return release(w, null);
        if (handToWaiter(w)) return null;
        if (pendingShrink > 0 && overflow > 0) return release(w, null); // no waiter: release goes straight to the shrink
        if (w.ttlDue && overflow > 0) {
            w.ttlDue = false;
            Effects<W> fx = new Effects<>(this);
            expire(w, fx);
            return fx;
        }
        idle.addFirst(w);
        return null;
    }

    /** An overflow worker off the idle list leaves for overflow_ttl. Under the lock. */
    void expire(Worker<W> w, Effects<W> fx) {
        overflow--;
        w.leaving = ExitReason.OVERFLOW_TTL;
        dismiss(w, fx);
    }

    private Effects<W> orNew(Effects<W> fx) {
        return fx != null ? fx : new Effects<>(this);
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
        sweeps.cancel();
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
            workers.add(new PoolStatus.Worker(w.pid, w.state.shown(), w.uses, w.id, w.slot));
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
