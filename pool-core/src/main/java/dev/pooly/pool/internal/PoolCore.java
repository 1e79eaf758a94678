package dev.pooly.pool.internal;

import dev.pooly.pool.LeaseRevokedException;
import dev.pooly.pool.OnAbandon;
import dev.pooly.pool.PoolClosedException;
import dev.pooly.pool.PoolException;
import dev.pooly.pool.PoolInterruptedException;
import dev.pooly.pool.PoolStatus;
import dev.pooly.pool.PoolStrategy;
import dev.pooly.pool.PoolTimeoutException;
import dev.pooly.pool.WorkerDiedException;
import dev.pooly.pool.WorkerStartException;
import dev.pooly.supervisor.ExitStatus;
import dev.pooly.supervisor.Intensity;
import dev.pooly.supervisor.RestartWindow;
import dev.pooly.supervisor.internal.Timers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * poolboy's state machine, over any kind of worker.
 *
 * <p>State: idle workers, a FIFO queue of waiters, and counters. Accounting invariant, kept by every
 * transition: {@code idle + busy + starting + missing == size + overflow}, where {@code missing} counts
 * base workers whose start failed and will be retried. Transitions run under {@link #lock}, each
 * O(1); anything slow (spawn, stop, kill) is collected as an effect and done after unlocking.
 *
 * <p>Waiters park on their own {@link CompletableFuture}. Handing a worker over is
 * {@code complete(worker)} and cancelling is {@code completeExceptionally(CANCELLED)}: whichever
 * comes first wins, so a worker handed to a caller at the instant its wait times out is never lost
 * (poolboy #64/#70).
 *
 * <p>Thread-safe. See {@link #checkout} for interrupts; {@link #close} fails waiters and voids leases.
 */
public final class PoolCore<W> {
    private static final Duration SWEEP_PERIOD = Duration.ofMillis(25);
    private static final PoolException CANCELLED = new PoolException("cancelled");
    /**
     * Why a checked-in lease is void. One shared instance: a checkin must not allocate an exception
     * (and fill its stack trace) under the lock; the holder never sees it, its lease object already
     * knows it was closed.
     */
    private static final PoolException CHECKED_IN = new PoolException("lease already checked in");

    /** The pool's settings that the state machine needs. */
    public record Settings(String name, String command, int size, int maxOverflow, PoolStrategy strategy,
                           Duration overflowTtl, int maxUses, Duration leaseTimeout, OnAbandon onAbandon,
                           Intensity intensity) {}

    /** A worker known to the pool. Fields are guarded by the pool lock unless volatile. */
    public static final class Worker<W> {
        final W resource;
        final long pid;
        volatile PoolStatus.WorkerState state = PoolStatus.WorkerState.IDLE;
        volatile int uses;
        /** The lease it is out on, 0 when none. */
        volatile long leaseId;
        volatile Thread holder;
        /** Set when the pool itself stops this worker: its exit is then not a crash. */
        boolean leaving;
        boolean gone;
        /** Why its last lease became void, for the holder's next call. */
        volatile PoolException voided;
        volatile long requestDeadline;
        long idleStamp;
        ScheduledFuture<?> leaseTimer;
        Worker<W> prev, next;
        boolean listed;

        Worker(W resource, long pid) {
            this.resource = resource;
            this.pid = pid;
        }

        public W resource() { return resource; }

        public long pid() { return pid; }

        public int uses() { return uses; }
    }

    /** A checked-out worker: what a lease holds. Immutable. */
    public record Grant<W>(PoolCore<W> pool, Worker<W> worker, long leaseId) {
        public W resource() { return worker.resource; }

        /** Null while this lease is valid, else why not. */
        public PoolException invalid() {
            PoolException why = worker.voided;
            return why != null && worker.leaseId != leaseId ? why : null;
        }
    }

    /** One queued caller, linked into the waiters list. */
    private static final class Waiter<W> {
        final CompletableFuture<Worker<W>> handoff = new CompletableFuture<>();
        final Thread thread = Thread.currentThread();
        Waiter<W> prev, next;
        boolean queued;
    }

    private final Settings settings;
    private final WorkerSource<W> source;
    private final Consumer<String> onGiveUp;
    private final ReentrantLock lock = new ReentrantLock();
    // ---- guarded by lock
    private final WorkerList<W> idle = new WorkerList<>();
    private Waiter<W> head, tail;
    private int waiting;
    private int busy;
    private int overflow;
    private int starting;
    private int missing;
    private long leaseSeq;
    private boolean closed;
    private PoolException closedWith;
    private final RestartWindow crashes;
    private long retryBackoffMs = 100;
    private boolean retryScheduled;
    // ---- read without the lock
    private final Set<Worker<W>> live = ConcurrentHashMap.newKeySet();
    private volatile String lastError;
    private final ScheduledFuture<?> sweeper;

    public PoolCore(Settings settings, WorkerSource<W> source, Consumer<String> onGiveUp) {
        this.settings = settings;
        this.source = source;
        this.onGiveUp = onGiveUp;
        this.crashes = new RestartWindow(settings.intensity());
        this.sweeper = Timers.every(SWEEP_PERIOD, this::sweep);
    }

    public Settings settings() { return settings; }

    /** Starts the {@code size} base workers. Returns at once. */
    public void fill() {
        int n;
        lock.lock();
        try {
            n = settings.size() - (idle.size() + busy + starting + missing - overflow);
            starting += Math.max(0, n);
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < n; i++) spawn();
    }

    // ---- checkout ---------------------------------------------------------------------------------

    /**
     * Checks out a worker, waiting up to {@code timeout} in FIFO order; with {@code block} false,
     * answers null at once when the pool is full (no idle worker and no overflow left).
     *
     * <p>Interrupt: the caller leaves the queue; a worker handed over in that same instant is checked
     * back in; {@link PoolInterruptedException} is thrown with the flag set.
     */
    public Grant<W> checkout(Duration timeout, boolean block) {
        Waiter<W> waiter;
        boolean spawn = false;
        lock.lock();
        try {
            if (closed) throw new PoolClosedException(closedWith.getMessage(), closedWith);
            Worker<W> w;
            while ((w = settings.strategy() == PoolStrategy.LIFO ? idle.removeFirst() : idle.removeLast()) != null) {
                if (source.alive(w.resource)) return lend(w, Thread.currentThread());
                // Died a moment ago (e.g. its tree was just killed); exited() does the accounting when the exit arrives.
                w.state = PoolStatus.WorkerState.STOPPING;
            }
            // Only start a worker if those already starting are all promised to earlier waiters.
            if (starting <= waiting) {
                if (missing > 0) {
                    missing--;
                    starting++;
                    spawn = true;
                } else if (overflow < settings.maxOverflow()) {
                    overflow++;
                    starting++;
                    spawn = true;
                } else if (!block) {
                    return null;
                }
            }
            waiter = enqueue();
        } finally {
            lock.unlock();
        }
        if (spawn) spawn();
        return await(waiter, timeout);
    }

    private Grant<W> await(Waiter<W> waiter, Duration timeout) {
        try {
            return grantFor(waiter.handoff.get(timeout.toNanos(), TimeUnit.NANOSECONDS), waiter);
        } catch (TimeoutException e) {
            if (waiter.handoff.completeExceptionally(CANCELLED)) {
                dequeue(waiter);
                throw new PoolTimeoutException("pool " + settings.name() + ": no worker available within " + format(timeout));
            }
            return grantFor(waiter.handoff.join(), waiter); // handed over in the same instant: keep it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (!waiter.handoff.completeExceptionally(CANCELLED)) {
                Worker<W> w = waiter.handoff.join();
                checkin(new Grant<>(this, w, w.leaseId));
            } else {
                dequeue(waiter);
            }
            throw new PoolInterruptedException("pool " + settings.name() + ": interrupted while waiting for a worker");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof PoolException p) throw rethrown(p);
            throw new PoolException("pool " + settings.name() + ": " + cause, cause);
        } catch (CancellationException e) {
            throw new PoolException("pool " + settings.name() + ": checkout cancelled");
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

    private Grant<W> grantFor(Worker<W> w, Waiter<W> waiter) {
        return new Grant<>(this, w, w.leaseId);
    }

    private Waiter<W> enqueue() {
        Waiter<W> w = new Waiter<>();
        w.prev = tail;
        if (tail != null) tail.next = w; else head = w;
        tail = w;
        w.queued = true;
        waiting++;
        return w;
    }

    private void unlink(Waiter<W> w) {
        if (!w.queued) return;
        if (w.prev != null) w.prev.next = w.next; else head = w.next;
        if (w.next != null) w.next.prev = w.prev; else tail = w.prev;
        w.prev = w.next = null;
        w.queued = false;
        waiting--;
    }

    private void dequeue(Waiter<W> w) {
        lock.lock();
        try {
            unlink(w);
        } finally {
            lock.unlock();
        }
    }

    /** Marks {@code w} as lent to {@code holder}. Under the lock. */
    private Grant<W> lend(Worker<W> w, Thread holder) {
        w.state = PoolStatus.WorkerState.BUSY;
        w.leaseId = ++leaseSeq;
        w.holder = holder;
        w.voided = null;
        w.uses++;
        busy++;
        if (!settings.leaseTimeout().isZero()) {
            long id = w.leaseId;
            w.leaseTimer = Timers.after(settings.leaseTimeout(), () -> revoke(w, id));
        }
        return new Grant<>(this, w, w.leaseId);
    }

    /** Hands {@code w} to the first waiter still waiting. Under the lock. */
    private boolean handToWaiter(Worker<W> w) {
        while (head != null) {
            Waiter<W> first = head;
            unlink(first);
            lend(w, first.thread);
            if (first.handoff.complete(w)) return true;
            undoLend(w); // that waiter timed out at this very moment; try the next one
        }
        return false;
    }

    private void undoLend(Worker<W> w) {
        if (w.leaseTimer != null) w.leaseTimer.cancel(false);
        w.leaseTimer = null;
        w.leaseId = 0;
        w.holder = null;
        w.uses--;
        busy--;
        w.state = PoolStatus.WorkerState.IDLE;
    }

    // ---- checkin, discard, abandon, revoke -------------------------------------------------------

    /** Checks a lease in. A lease that was already void (worker died, revoked) is accepted silently. */
    public void checkin(Grant<W> grant) {
        Effects fx = new Effects();
        lock.lock();
        try {
            Worker<W> w = owned(grant);
            if (w == null) return;
            if (!source.alive(w.resource)) {
                // Died a moment ago and its exit is not reported yet: never lend it again; exited() accounts for it.
                endLease(w, new WorkerDiedException("pool " + settings.name() + ": worker " + w.pid + " died"));
                w.state = PoolStatus.WorkerState.STOPPING;
                return;
            }
            release(w, fx);
            if (settings.maxUses() > 0 && w.uses >= settings.maxUses() && !w.leaving && w.state != PoolStatus.WorkerState.BUSY) {
                // Recycled (PHP-FPM's pm.max_requests): it left the idle set in release(); replace it.
                idle.remove(w);
                retire(w, fx);
            }
        } finally {
            lock.unlock();
        }
        fx.run();
    }

    /** The holder knows the worker is broken: kill it and replace it. */
    public void discard(Grant<W> grant) {
        Effects fx = new Effects();
        lock.lock();
        try {
            Worker<W> w = owned(grant);
            if (w == null) return;
            endLease(w, null);
            retire(w, fx);
            fx.kill(w);
        } finally {
            lock.unlock();
        }
        fx.run();
    }

    /** The holder vanished: apply {@code on_abandon}. */
    public void abandon(Grant<W> grant) {
        if (settings.onAbandon() == OnAbandon.RETURN) checkin(grant);
        else discard(grant);
    }

    /** Kills the worker of a lease that ran out of time (a request deadline, lease_timeout); the lease becomes void with {@code why}. */
    public void expireRequest(Grant<W> grant, PoolException why) {
        Effects fx = new Effects();
        lock.lock();
        try {
            Worker<W> w = grant.worker();
            if (w.leaseId != grant.leaseId() || w.gone) return;
            endLease(w, why);
            retire(w, fx);
            fx.kill(w);
        } finally {
            lock.unlock();
        }
        fx.run();
    }

    private void revoke(Worker<W> w, long leaseId) {
        expireRequest(new Grant<>(this, w, leaseId), new LeaseRevokedException("pool " + settings.name() + ": lease on worker "
                + w.pid + " revoked after lease_timeout " + format(settings.leaseTimeout()) + "; the worker was killed"));
    }

    /** The worker of {@code grant} if that lease is still its current one; null if already void. Under the lock. */
    private Worker<W> owned(Grant<W> grant) {
        if (grant.pool() != this) {
            throw new IllegalStateException("that lease belongs to pool " + grant.pool().settings.name()
                    + " (or an earlier incarnation of it), not to pool " + settings.name());
        }
        Worker<W> w = grant.worker();
        return w.leaseId == grant.leaseId() && w.state == PoolStatus.WorkerState.BUSY ? w : null;
    }

    private void endLease(Worker<W> w, PoolException voided) {
        if (w.leaseTimer != null) w.leaseTimer.cancel(false);
        w.leaseTimer = null;
        w.leaseId = 0;
        w.holder = null;
        w.requestDeadline = 0;
        w.voided = voided;
        busy--;
    }

    /** poolboy's checkin: first waiter, else dismiss if overflow, else idle. Under the lock. */
    private void release(Worker<W> w, Effects fx) {
        if (w.state == PoolStatus.WorkerState.BUSY) endLease(w, CHECKED_IN);
        w.state = PoolStatus.WorkerState.IDLE;
        if (closed) {
            dismiss(w, fx);
            return;
        }
        if (settings.maxUses() > 0 && w.uses >= settings.maxUses()) return; // the caller retires it
        if (handToWaiter(w)) return;
        if (overflow > 0) {
            if (settings.overflowTtl().isZero()) {
                overflow--;
                dismiss(w, fx);
                return;
            }
            long stamp = w.idleStamp = System.nanoTime();
            Timers.after(settings.overflowTtl(), () -> expireOverflow(w, stamp));
        }
        idle.addFirst(w);
    }

    private void expireOverflow(Worker<W> w, long stamp) {
        Effects fx = new Effects();
        lock.lock();
        try {
            if (!w.listed || w.idleStamp != stamp || overflow == 0) return;
            idle.remove(w);
            overflow--;
            dismiss(w, fx);
        } finally {
            lock.unlock();
        }
        fx.run();
    }

    /** The pool stops {@code w}: it is gone from the books now. Under the lock. */
    private void dismiss(Worker<W> w, Effects fx) {
        w.leaving = true;
        w.gone = true;
        w.state = PoolStatus.WorkerState.STOPPING;
        live.remove(w);
        fx.dismiss(w);
    }

    /** {@code w} leaves for good and is replaced as if it had died. Under the lock. */
    private void retire(Worker<W> w, Effects fx) {
        w.leaving = true;
        w.gone = true;
        w.state = PoolStatus.WorkerState.STOPPING;
        live.remove(w);
        fx.dismiss(w);
        replace(fx);
    }

    /** poolboy's handle_worker_exit: a waiter gets a new worker; else an overflow slot is freed; else a new idle one. */
    private void replace(Effects fx) {
        if (closed) return;
        if (waiting > 0 || overflow == 0) {
            starting++;
            fx.spawn();
        } else {
            overflow--;
        }
    }

    // ---- worker lifecycle -------------------------------------------------------------------------

    private void spawn() {
        source.start().whenComplete((resource, error) -> {
            if (error != null) startFailed(error);
            else ready(resource);
        });
    }

    private void ready(W resource) {
        Worker<W> w = new Worker<>(resource, source.pid(resource));
        Effects fx = new Effects();
        lock.lock();
        try {
            starting--;
            retryBackoffMs = 100;
            live.add(w);
            release(w, fx);
        } finally {
            lock.unlock();
        }
        source.exit(resource).thenAccept(status -> exited(w, status));
        fx.run();
    }

    private void startFailed(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
        String message = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        lastError = message;
        Effects fx = new Effects();
        lock.lock();
        try {
            starting--;
            if (overflow > 0) overflow--;
            else missing++;
            // The caller this start was for: the first in line (there is no idle worker while anyone waits).
            while (head != null) {
                Waiter<W> first = head;
                unlink(first);
                if (first.handoff.completeExceptionally(new WorkerStartException("pool " + settings.name() + ": " + message, cause))) break;
            }
            if (missing > 0 && !closed && !retryScheduled) {
                retryScheduled = true;
                fx.retryAfter(retryBackoffMs);
                retryBackoffMs = Math.min(retryBackoffMs * 2, 5_000);
            }
        } finally {
            lock.unlock();
        }
        fx.run();
    }

    private void retryMissing() {
        boolean spawn = false;
        lock.lock();
        try {
            retryScheduled = false;
            if (!closed && missing > 0) {
                missing--;
                starting++;
                spawn = true;
            }
        } finally {
            lock.unlock();
        }
        if (spawn) spawn();
    }

    private void exited(Worker<W> w, ExitStatus status) {
        Effects fx = new Effects();
        String giveUp = null;
        lock.lock();
        try {
            if (w.gone) return; // the pool stopped it and has already accounted for it
            w.gone = true;
            live.remove(w);
            PoolException died = new WorkerDiedException("pool " + settings.name() + ": worker " + w.pid + " " + status);
            if (w.state == PoolStatus.WorkerState.BUSY) endLease(w, died);
            else idle.remove(w);
            w.state = PoolStatus.WorkerState.STOPPING;
            lastError = "worker " + w.pid + " " + status;
            if (!crashes.admit(System.nanoTime())) {
                giveUp = crashes.verdict() + " among the workers of pool " + settings.name() + "; last: worker " + w.pid + " " + status;
            }
            replace(fx);
        } finally {
            lock.unlock();
        }
        fx.run();
        if (giveUp != null) onGiveUp.accept(giveUp);
    }

    // ---- owner death and request deadlines ---------------------------------------------------------

    /** Marks the start of a request on {@code grant} that must finish by {@code deadlineNanos}. */
    public void requestStarted(Grant<W> grant, long deadlineNanos) {
        grant.worker().requestDeadline = deadlineNanos;
    }

    public void requestFinished(Grant<W> grant) {
        grant.worker().requestDeadline = 0;
    }

    /**
     * Periodic: leases whose holder thread ended, and requests past their deadline. A lock-free scan
     * of the live workers (racy reads are rechecked under the lock by the transitions it calls), so
     * that checkout and checkin need not maintain a set of lent workers.
     */
    private void sweep() {
        long now = System.nanoTime();
        for (Worker<W> w : live) {
            Thread holder = w.holder;
            long id = w.leaseId;
            long deadline = w.requestDeadline;
            if (id == 0) continue;
            if (deadline != 0 && now - deadline > 0) {
                expireRequest(new Grant<>(this, w, id), new dev.pooly.pool.LeaseTimeoutException("pool " + settings.name()
                        + ": worker " + w.pid + " gave no response in time and was killed"));
            } else if (holder != null && !holder.isAlive()) {
                abandon(new Grant<>(this, w, id));
            }
        }
    }

    // ---- close and status ------------------------------------------------------------------------

    /** Stops this incarnation: waiters fail with {@code why}, leases become void, workers are dismissed. */
    public void close(PoolException why) {
        Effects fx = new Effects();
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            closedWith = why;
            while (head != null) {
                Waiter<W> first = head;
                unlink(first);
                first.handoff.completeExceptionally(why);
            }
            for (Worker<W> w : List.copyOf(live)) {
                if (w.state == PoolStatus.WorkerState.BUSY) {
                    endLease(w, new LeaseRevokedException("pool " + settings.name() + " stopped (" + why.getMessage()
                            + "); the lease on worker " + w.pid + " is void and the worker stopped"));
                }
                idle.remove(w);
                dismiss(w, fx);
            }
        } finally {
            lock.unlock();
        }
        sweeper.cancel(false);
        fx.run();
    }

    public boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    public PoolStatus status() {
        int idleN, busyN, overflowN, waitingN, startingN;
        lock.lock();
        try {
            idleN = idle.size();
            busyN = busy;
            overflowN = overflow;
            waitingN = waiting;
            startingN = starting;
        } finally {
            lock.unlock();
        }
        List<PoolStatus.Worker> workers = new ArrayList<>();
        for (Worker<W> w : live) workers.add(new PoolStatus.Worker(w.pid, w.state, w.uses));
        workers.sort(java.util.Comparator.comparingLong(PoolStatus.Worker::pid));
        for (int i = 0; i < startingN; i++) workers.add(new PoolStatus.Worker(0, PoolStatus.WorkerState.STARTING, 0));
        return new PoolStatus(settings.name(), PoolStatus.stateOf(idleN, overflowN, settings.maxOverflow()),
                settings.size(), settings.maxOverflow(), idleN, busyN, overflowN, waitingN, startingN, workers, lastError);
    }

    static String format(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    /** What a transition decided to do once the lock is released. Used by one thread. */
    private final class Effects {
        private List<Worker<W>> dismiss;
        private List<Worker<W>> kill;
        private int spawns;
        private long retryAfterMs = -1;

        void dismiss(Worker<W> w) {
            if (dismiss == null) dismiss = new ArrayList<>(2);
            dismiss.add(w);
        }

        void kill(Worker<W> w) {
            if (kill == null) kill = new ArrayList<>(1);
            kill.add(w);
        }

        void spawn() { spawns++; }

        void retryAfter(long ms) { retryAfterMs = ms; }

        void run() {
            if (kill != null) for (Worker<W> w : kill) source.kill(w.resource);
            if (dismiss != null) for (Worker<W> w : dismiss) if (kill == null || !kill.contains(w)) source.dismiss(w.resource);
            for (int i = 0; i < spawns; i++) PoolCore.this.spawn();
            if (retryAfterMs >= 0) Timers.after(Duration.ofMillis(retryAfterMs), PoolCore.this::retryMissing);
        }
    }
}
