package dev.pooly.pool.internal;

import dev.pooly.pool.LeaseRevokedException;
import dev.pooly.pool.LeaseRevokedException.Reason;
import dev.pooly.pool.LeaseTimeoutException;
import dev.pooly.pool.PoolListener;
import dev.pooly.pool.WorkerDiedException;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * One lease: a worker lent to one holder, poolboy's monitor row for one checkout. ACTIVE until it
 * ends, once, with a {@link Reason}; from then on every operation through it throws
 * {@link LeaseRevokedException}.
 *
 * <p>Thread-safe. The lease itself may be used by several threads (a writer and a reader at once);
 * {@link #enter}/{@link #exit} bracket every operation so the pool can tell whether one is in
 * progress when the lease ends.
 */
public final class Grant<W> {
    private static final VarHandle ENDING, IN_USE, UNANSWERED, OTHERS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            ENDING = l.findVarHandle(Grant.class, "ending", Ending.class);
            IN_USE = l.findVarHandle(Grant.class, "inUse", int.class);
            UNANSWERED = l.findVarHandle(Grant.class, "unanswered", int.class);
            OTHERS = l.findVarHandle(Grant.class, "others", Thread[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final PoolCore<W> pool;
    final Worker<W> worker;
    /** The pool's count of leases when this one was made: the sweeper acts in lending order. */
    final long seq;
    /**
     * A health check's lease of an idle worker (not a caller's): no lease to the listener, and the
     * worker's idle stay (its overflow_ttl) goes on through it. Written under the pool lock before the
     * check uses the grant; read by the same thread or under the lock.
     */
    boolean probe;
    /** The thread that checked it out. */
    private final Thread owner;
    /** Other threads that used it, or null; pruned of ended threads when one is added. */
    private volatile Thread[] others;
    /** null while ACTIVE. */
    private volatile Ending ending;
    /** Operations in progress through this lease. */
    private volatile int inUse;
    /** Requests written and not yet answered, as far as the holder told the lease. */
    private volatile int unanswered;
    /** System-clock nanos by which the request in progress must be answered; 0 when none. */
    volatile long requestDeadline;
    /**
     * Why the pool cannot count what this lease asked of its worker (bytes written to stdin that no
     * request accounts for, the process handle taken), or null. Once set, the worker goes back only
     * if its health request proves it quiet ({@link #proveQuiet}): being quiet at one instant says
     * nothing about a worker still computing an answer nobody counted. Any non-null value will do,
     * so two threads setting it at once need no CAS.
     */
    private volatile String uncounted;
    /** Guarded by the pool lock. */
    PoolClock.Scheduled leaseTimer;

    Grant(PoolCore<W> pool, Worker<W> worker, Thread owner, long seq) {
        this.pool = pool;
        this.worker = worker;
        this.seq = seq;
        this.owner = owner;
    }

    public PoolCore<W> pool() { return pool; }

    public Worker<W> worker() { return worker; }

    public W resource() { return worker.resource; }

    /** Whether the lease has not ended yet. */
    public boolean active() { return ending == null; }

    /** Why the lease ended, or null while it is active. */
    public Reason endReason() {
        Ending e = ending;
        return e == null ? null : e.reason();
    }

    /** Ends the lease with {@code why} unless it has already ended; true if this call ended it. */
    boolean end(Ending why) {
        // Read while the lease may still be active: if the CAS below wins, it was, so its worker had not
        // been lent again and this is this lease's time (see Worker.lentAt). No clock read without a listener.
        long lentAt = worker.lentAt;
        // The one race every ending runs: holder vs pool, and timers vs each other; one CAS decides.
        if (!ENDING.compareAndSet(this, (Ending) null, why)) return false;
        // Exactly once per lease (the CAS winner); a lease that never reached its taker is no lease.
        PoolListener listener = pool.listener;
        if (why != Ending.NOT_LENT && !probe && listener != PoolListener.NONE) listener.leaseEnded(System.nanoTime() - lentAt);
        return true;
    }

    /**
     * Starts an operation through the lease: fails with why the lease ended if it has. Pair with
     * {@link #exit()} in a finally block.
     */
    void enter() {
        touch();
        // Increment before looking at the state; ending sets the state before looking at the count.
        // Both are volatile, so either this sees the lease ended, or the ending sees this operation
        // in progress and replaces the worker: a lease never touches a worker that went back idle.
        IN_USE.getAndAdd(this, 1);
        if (ending != null) {
            IN_USE.getAndAdd(this, -1);
            throw revoked();
        }
    }

    void exit() {
        IN_USE.getAndAdd(this, -1);
    }

    /** The holder wrote {@code n} requests; each is owed one answer. */
    void expect(int n) {
        if (n < 0) throw new IllegalArgumentException("a lease cannot expect " + n + " answers");
        UNANSWERED.getAndAdd(this, n);
    }

    /** One answer was read. Never below zero: a holder reading more than it declared (raw mode) owes nothing. */
    void answered() {
        int n;
        do {
            n = unanswered;
            if (n == 0) return;
        } while (!UNANSWERED.compareAndSet(this, n, n - 1));
    }

    int unanswered() { return unanswered; }

    /** The holder did something whose answers the pool cannot count (see {@link #uncounted}). */
    void uncounted(String what) {
        if (uncounted == null) uncounted = what;
    }

    /** Why the pool cannot count this lease's answers, or null (see {@link #uncounted}). */
    String uncountedWhy() { return uncounted; }

    /** The exception an operation on this ended lease throws, fresh for the caller's stack. */
    LeaseRevokedException revoked() {
        Ending e = ending;
        if (e == null) throw new IllegalStateException("lease on worker " + worker.pid + " of pool " + pool.settings.name() + " is active");
        String message = "pool " + pool.settings.name() + ": lease on worker " + worker.pid + " " + e.detail();
        return switch (e.reason()) {
            case WORKER_DIED -> new WorkerDiedException(message);
            case REQUEST_TIMEOUT -> new LeaseTimeoutException(message);
            default -> new LeaseRevokedException(e.reason(), message);
        };
    }

    /** Records the calling thread as a user of this lease (see {@link #holdersGone()}). */
    private void touch() {
        Thread t = Thread.currentThread();
        if (t == owner) return;
        Thread[] seen = others;
        if (seen != null) for (Thread s : seen) if (s == t) return;
        while (true) {
            seen = others;
            List<Thread> next = new ArrayList<>(seen == null ? 1 : seen.length + 1);
            if (seen != null) for (Thread s : seen) if (s.isAlive() && s != t) next.add(s);
            next.add(t);
            // Two new users at once: retry, so neither is lost from the set.
            if (OTHERS.compareAndSet(this, seen, next.toArray(Thread[]::new))) return;
        }
    }

    /**
     * Whether every thread that used this lease (the one that checked it out included) has ended.
     * A lease handed to another thread that used it stays with that thread after the first ends.
     */
    boolean holdersGone() {
        if (owner.isAlive()) return false;
        Thread[] seen = others;
        if (seen != null) for (Thread s : seen) if (s.isAlive()) return false;
        return true;
    }

    /** Why the worker must not go back to idle from this lease's side, or null. */
    String lingering() {
        int busy = inUse;
        if (busy > 0) return busy + " operation(s) through the lease still in progress";
        int owed = unanswered;
        if (owed > 0) return owed + " request(s) unanswered";
        return null;
    }

    @Override public String toString() {
        Ending e = ending;
        return "lease on worker " + worker.pid + " of pool " + pool.settings.name() + " (" + (e == null ? "active" : e.reason().label()) + ")";
    }
}

