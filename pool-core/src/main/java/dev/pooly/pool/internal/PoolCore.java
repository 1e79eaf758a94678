package dev.pooly.pool.internal;

import dev.pooly.pool.LeaseRevokedException;
import dev.pooly.pool.LeaseRevokedException.Reason;
import dev.pooly.pool.LeaseTimeoutException;
import dev.pooly.pool.OnAbandon;
import dev.pooly.pool.PoolClosedException;
import dev.pooly.pool.PoolException;
import dev.pooly.pool.PoolHealth;
import dev.pooly.pool.PoolListener;
import dev.pooly.pool.PoolInterruptedException;
import dev.pooly.pool.PoolStatus;
import dev.pooly.pool.PoolStrategy;
import dev.pooly.pool.PoolTimeoutException;
import dev.pooly.pool.WorkerDiedException;
import dev.pooly.pool.WorkerExit;
import dev.pooly.pool.WorkerStartException;
import dev.pooly.supervisor.Backoff;
import dev.pooly.supervisor.ExitReason;
import dev.pooly.supervisor.ExitStatus;
import dev.pooly.supervisor.Intensity;
import dev.pooly.supervisor.RestartWindow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
    private static final Logger LOG = LoggerFactory.getLogger("pooly.pool");
    private static final Duration SWEEP_PERIOD = Duration.ofMillis(25);
    /** How often every worker's memory is sampled when max_memory is set (PM2 samples every 30 s). */
    private static final Duration MEMORY_PERIOD = Duration.ofMillis(500);
    private static final PoolException CANCELLED = new PoolException("cancelled");

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

    /** A worker's life in the pool. */
    public enum WorkerState {
        /** Started and ready, not yet placed (only inside {@code ready()}, under the lock). */
        STARTING,
        /** On the idle list. */
        IDLE,
        /** Lent: {@link Worker#lease} is its active or just-ended lease. */
        BUSY,
        /** Found dead by the pool; still counted until its exit is seen, which accounts for it. */
        DYING,
        /** Stopped by the pool (dismissed, retired, killed): already off the books. */
        LEAVING,
        /** Its exit was seen. Final. */
        GONE;

        boolean canBecome(WorkerState next) {
            return switch (this) {
                case STARTING -> next == IDLE || next == LEAVING;
                case IDLE -> next == BUSY || next == DYING || next == LEAVING || next == GONE;
                case BUSY -> next == IDLE || next == DYING || next == LEAVING || next == GONE;
                case DYING -> next == LEAVING || next == GONE;
                case LEAVING -> next == GONE;
                case GONE -> false;
            };
        }
    }

    /** A worker known to the pool. Fields are guarded by the pool lock; volatile ones are also read without it. */
    public static final class Worker<W> {
        final W resource;
        final long pid;
        volatile WorkerState state = WorkerState.STARTING;
        volatile int uses;
        /** The lease it is out on while BUSY, else null. */
        volatile Grant<W> lease;
        /** Which stay on the idle list this is, so a stale overflow_ttl timer does nothing. */
        long idleSeq;
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

    /** How a lease ended: the reason and words for the holder's exception. Immutable. */
    record Ending(Reason reason, String detail) {}

    /**
     * One lease: a worker lent to one holder, poolboy's monitor row for one checkout. ACTIVE until it
     * ends, once, with a {@link Reason}; from then on every operation through it throws
     * {@link LeaseRevokedException}.
     *
     * <p>Thread-safe. The lease itself may be used by several threads (a writer and a reader at once);
     * {@link #enter}/{@link #exit} bracket every operation so the pool can tell whether one is in
     * progress when the lease ends.
     */
    public static final class Grant<W> {
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

        private final PoolCore<W> pool;
        private final Worker<W> worker;
        /** The pool's count of leases when this one was made: the sweeper acts in lending order. */
        final long seq;
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
            if (why != NOT_LENT && listener != PoolListener.NONE) listener.leaseEnded(System.nanoTime() - lentAt);
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

    private static final Ending CHECKED_IN = new Ending(Reason.CHECKED_IN, "was checked in");
    private static final Ending DISCARDED = new Ending(Reason.DISCARDED, "was discarded; the worker was killed");
    private static final Ending ABANDONED = new Ending(Reason.ABANDONED, "was abandoned by its holder");
    private static final Ending NOT_LENT = new Ending(Reason.DISCARDED, "was never handed out: the worker had unread output");

    /** One queued caller, linked into the waiters list. */
    private static final class Waiter<W> {
        final CompletableFuture<Grant<W>> handoff = new CompletableFuture<>();
        final Thread thread = Thread.currentThread();
        Waiter<W> prev, next;
        boolean queued;
    }

    /** Replaced by {@link #reconfigure} under the lock; volatile for the reads outside it. */
    private volatile Settings settings;
    private final WorkerSource<W> source;
    private final Consumer<String> onGiveUp;
    private final PoolClock clock;
    private final PoolListener listener;
    private final ReentrantLock lock = new ReentrantLock();
    // ---- guarded by lock
    private final WorkerList<W> idle = new WorkerList<>();
    private Waiter<W> head, tail;
    private int waiting;
    private int busy;
    private int overflow;
    private int starting;
    private int dying;
    private int missing;
    private long idleSeq;
    private long leaseSeq;
    private boolean closed;
    private PoolException closedWith;
    private RestartWindow crashes;
    // ---- reload (guarded by lock): resize and rolling replacement, see reconfigure()
    /** Workers beyond size + overflow that a shrink dismisses as they come back. */
    private int pendingShrink;
    /** 1 while a rolling replacement holds one extra worker (starting, or new while an old one is out). */
    private int surge;
    private boolean rolling;
    private boolean surging;
    /** The old busy worker that leaves at its checkin, its replacement being ready already. */
    private Worker<W> retiring;
    /** Generation of the worker settings; bumped by a reload that changes them. Read by spawn() without the lock. */
    private volatile long generation;
    private long retryBackoffMs = 100;
    /**
     * Per slot: its workers in a row that crashed within the backoff's min_uptime. Per slot, so that one
     * slot whose worker keeps failing (say, its port is taken) backs off without slowing the others.
     */
    private final java.util.Map<Integer, Integer> shortRuns = new java.util.HashMap<>();
    /** Slots (POOLY_WORKER_INDEX) held by a worker that is starting, idle, busy or dying. */
    private final java.util.BitSet slots = new java.util.BitSet();
    private boolean retryScheduled;
    // ---- read without the lock
    private final Set<Worker<W>> live = ConcurrentHashMap.newKeySet();
    private volatile String lastError;
    private final PoolClock.Scheduled sweeper;
    /** The periodic memory sampling of every worker (max_memory), or null. */
    private volatile PoolClock.Scheduled memoryRounds;
    /** The periodic health check of idle workers, or null. Both re-armed by a reload that changes them. */
    private volatile PoolClock.Scheduled healthRounds;

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
        this.sweeper = clock.every(SWEEP_PERIOD, this::sweep);
        this.healthRounds = healthRounds(settings);
        this.memoryRounds = memoryRounds(settings);
    }

    private PoolClock.Scheduled healthRounds(Settings s) {
        PoolHealth health = s.health();
        return health == null || health.every().isZero() ? null : clock.every(health.every(), this::checkIdleWorkers);
    }

    private PoolClock.Scheduled memoryRounds(Settings s) {
        return s.maxMemory() <= 0 ? null : clock.every(MEMORY_PERIOD, this::checkMemory);
    }

    /** A reload changed health.every or max_memory: the periodic rounds follow. Under the lock (so close() sees the new ones). */
    private void rearmRounds(Settings was, Settings next) {
        java.time.Duration every = was.health() == null ? null : was.health().every();
        java.time.Duration nextEvery = next.health() == null ? null : next.health().every();
        if (!java.util.Objects.equals(every, nextEvery)) {
            if (healthRounds != null) healthRounds.cancel();
            healthRounds = healthRounds(next);
        }
        if ((was.maxMemory() > 0) != (next.maxMemory() > 0)) {
            if (memoryRounds != null) memoryRounds.cancel();
            memoryRounds = memoryRounds(next);
        }
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
            for (int i = 0; i < fresh.length; i++) fresh[i] = takeSlot();
        } finally {
            lock.unlock();
        }
        for (int slot : fresh) spawn(slot);
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
            if (grant != null && (source.unread(grant.worker.resource) != null || checksOnCheckout())) grant = checkoutPastNoise(grant, timeout, block);
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
                if (!checksOnCheckout() || probe(grant)) return grant;
            } else {
                LOG.atWarn().addKeyValue("pool", settings.name()).addKeyValue("pid", grant.worker.pid).log("pool {}: worker {} wrote output nobody asked for while idle ({}); replacing it instead of lending it",
                        settings.name(), grant.worker.pid, noise);
                grant.end(NOT_LENT);
                takeBack(grant, "unread output");
            }
            grant = checkoutOnce(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), block);
            if (grant == null) return null;
        }
    }

    private Grant<W> checkoutOnce(Duration timeout, boolean block) {
        Waiter<W> waiter;
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
            if (starting <= waiting) {
                if (missing > 0) {
                    missing--;
                    starting++;
                    spawn = takeSlot();
                } else if (overflow < settings.maxOverflow()) {
                    overflow++;
                    starting++;
                    spawn = takeSlot();
                } else if (!block) {
                    return null;
                }
            }
            waiter = enqueue();
        } finally {
            lock.unlock();
        }
        if (spawn >= 0) spawn(spawn);
        return await(waiter, timeout);
    }

    private Grant<W> await(Waiter<W> waiter, Duration timeout) {
        // Only a queued caller of a listened-to pool needs the clock; the fast path never gets here.
        boolean timed = listener != PoolListener.NONE;
        long since = timed ? System.nanoTime() : 0;
        try {
            Grant<W> grant = waiter.handoff.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (timed) grant.worker.waitedNanos = System.nanoTime() - since;
            return grant;
        } catch (TimeoutException e) {
            // The hand-off race: complete(grant) by a checkin vs this cancel; the loser yields to the winner.
            if (waiter.handoff.completeExceptionally(CANCELLED)) {
                dequeue(waiter);
                throw new PoolTimeoutException("pool " + settings.name() + ": no worker available within " + format(timeout));
            }
            Grant<W> grant = waiter.handoff.join(); // handed over in the same instant: keep it
            if (timed) grant.worker.waitedNanos = System.nanoTime() - since;
            return grant;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (!waiter.handoff.completeExceptionally(CANCELLED)) {
                checkin(waiter.handoff.join());
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
        // A waiter that timed out leaves the queue under the lock, so no checkin hands it a worker afterwards.
        lock.lock();
        try {
            unlink(w);
        } finally {
            lock.unlock();
        }
    }

    /** Lends idle {@code w} to {@code holder}: a new lease object. Under the lock. */
    private Grant<W> lend(Worker<W> w, Thread holder) {
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
        while (head != null) {
            Waiter<W> first = head;
            unlink(first);
            Grant<W> grant = lend(w, first.thread);
            if (first.handoff.complete(grant)) return true;
            // That waiter timed out at this very moment: the lease never reached anyone; try the next one.
            grant.end(NOT_LENT);
            unlend(w);
            w.uses--;
            w.to(WorkerState.IDLE, settings.name());
        }
        return false;
    }

    /** {@code w}'s lease is over as far as the books go. Under the lock. */
    private void unlend(Worker<W> w) {
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
        if (!grant.end(CHECKED_IN)) {
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
        if (!grant.end(DISCARDED)) {
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
        if (!grant.end(ABANDONED)) return;
        if (settings.onAbandon() == OnAbandon.RETURN) giveBack(grant, "when abandoned");
        else takeBack(grant, "abandoned (on_abandon: replace)");
    }

    /** The pool ends {@code grant} with {@code why} and kills its worker (lease_timeout, a request deadline). */
    private void revoke(Grant<W> grant, Ending why) {
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
        String untrusted = grant.uncounted;
        if (untrusted != null && (untrusted = proveQuiet(grant, untrusted)) != null) {
            LOG.info("pool {}: worker {} not returned {}: its lease {}; replacing it", settings.name(), grant.worker.pid, when, untrusted);
            takeBack(grant, "uncounted lease");
            return;
        }
        // Made only when the checkin has effects (a worker to stop or start): a plain checkin allocates
        // nothing beyond the lease (the escape analysis cannot remove it, Effects.run() is too large).
        Effects fx = null;
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
                retire(w, fx = new Effects());
            } else if (w == retiring) {
                retire(w, fx = new Effects()); // rolled: its replacement is ready and idle or lent already
            } else if (settings.maxUses() > 0 && w.uses >= settings.maxUses()) {
                w.leaving = ExitReason.MAX_USES;
                retire(w, fx = new Effects()); // recycled (PHP-FPM's pm.max_requests)
            } else {
                fx = release(w, null);
            }
        } finally {
            lock.unlock();
        }
        if (fx != null) fx.run();
    }

    /**
     * The worker of ended {@code grant}, whose lease the pool could not count ({@code why}), goes back
     * only if the pool's health request proves it quiet: answered with exactly {@code expect} within
     * the health timeout, and nothing unread after it. A worker answers in order, so an answer still
     * owed to the ended lease comes before the health answer and fails the proof. Null when proven,
     * else why not. Blocks up to the health timeout, outside the lock, while the books still hold the
     * worker as lent to {@code grant} (so nobody else can reach it); the timeout kills the worker,
     * which ends a blocked read.
     */
    private String proveQuiet(Grant<W> grant, String why) {
        PoolHealth h = settings.health();
        if (h == null) return why + ", and the pool has no health request to prove it quiet";
        W worker = grant.worker.resource;
        PoolClock.Scheduled timer = clock.after(h.timeout(), () -> source.kill(worker));
        String answer;
        try {
            answer = source.probe(worker, h.request());
        } catch (java.io.IOException | RuntimeException e) {
            return why + ", and its health check failed (" + e.getMessage() + ")";
        } finally {
            timer.cancel();
        }
        if (!h.expect().equals(answer)) {
            return why + ", and it answered " + (answer == null ? "nothing" : "'" + answer + "'") + " to the health request '"
                    + h.request() + "' within " + format(h.timeout()) + ", not '" + h.expect() + "'";
        }
        String after = source.unread(worker);
        return after == null ? null : why + ", and after its health answer it had " + after;
    }

    /** The worker of ended {@code grant} is killed and replaced; {@code why} goes to the debug log. */
    private void takeBack(Grant<W> grant, String why) {
        Effects fx = new Effects();
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
    private Effects release(Worker<W> w, Effects fx) {
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

    private Effects orNew(Effects fx) {
        return fx != null ? fx : new Effects();
    }

    private void expireOverflow(Worker<W> w, long seq) {
        Effects fx = new Effects();
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
    private void dismiss(Worker<W> w, Effects fx) {
        leave(w, fx);
        slots.clear(w.slot);
    }

    /** {@code w} leaves the books and is stopped; its slot stays taken (the caller passes it on). Under the lock. */
    private void leave(Worker<W> w, Effects fx) {
        if (w.leaving == null) w.leaving = ExitReason.STOPPED;
        w.to(WorkerState.LEAVING, settings.name());
        live.remove(w);
        fx.dismiss(w);
    }

    /** {@code w} (off the idle list) leaves for good and is replaced as if it had died. Under the lock. */
    private void retire(Worker<W> w, Effects fx) {
        leave(w, fx);
        if (w == retiring) {
            // Its replacement is running already (the roll's surge, which took a slot of its own): leaving
            // settles the surge and frees this worker's slot instead of handing it on.
            slots.clear(w.slot);
            retiring = null;
            surge--;
            rollStep(fx);
            return;
        }
        replace(fx, w.slot);
    }

    /**
     * Why a worker that ended on its own ended, as far as its exit status tells. A SIGKILL that the
     * pool did not send comes from an operator ({@code pooly kill}) or a supervisor tearing its tree
     * down; any other end is a crash.
     */
    private static ExitReason exitReason(ExitStatus status) {
        return switch (status) {
            case ExitStatus.Signaled s when s.signal() == 9 -> ExitReason.KILLED;
            case ExitStatus.Shutdown s -> ExitReason.STOPPED;
            default -> ExitReason.CRASH;
        };
    }

    /**
     * poolboy's handle_worker_exit: a waiter gets a new worker; else an overflow slot is freed; else a new
     * idle one. The replacement takes {@code slot}, the slot of the worker it replaces. Under the lock.
     */
    private void replace(Effects fx, int slot) {
        if (!closed && (waiting > 0 || overflow == 0)) {
            starting++;
            fx.spawn(slot);
        } else {
            if (!closed) overflow--;
            slots.clear(slot);
        }
    }

    /** The lowest free slot, now taken. Under the lock. */
    private int takeSlot() {
        int slot = slots.nextClearBit(0);
        slots.set(slot);
        return slot;
    }

    // ---- worker lifecycle -------------------------------------------------------------------------

    private void spawn(int slot) {
        spawn(slot, false);
    }

    /**
     * Starts one worker into {@code slot}. The generation is read before the source reads the worker
     * settings, and a reload publishes new settings before it bumps the generation: so a worker marked
     * new always runs the new settings (one marked old may run them too, and is merely replaced once more).
     */
    private void spawn(int slot, boolean forRoll) {
        long gen = generation;
        source.start(slot).whenComplete((resource, error) -> {
            if (error != null) startFailed(slot, error, forRoll);
            else ready(resource, slot, gen, forRoll);
        });
    }

    private void ready(W resource, int slot, long gen, boolean forRoll) {
        Worker<W> w = new Worker<>(resource, source.pid(resource), slot, source.id(resource));
        w.readyNanos = clock.nanoTime();
        w.gen = gen;
        Effects fx = new Effects();
        // A ready worker must reach a waiter or the idle list in the same step that frees its starting slot.
        lock.lock();
        try {
            starting--;
            retryBackoffMs = 100;
            live.add(w);
            if (closed) {
                dismiss(w, fx);
            } else {
                w.to(WorkerState.IDLE, settings.name());
                release(w, fx);
                if (forRoll) {
                    surging = false;
                    retireOneOld(fx);
                } else if (gen != generation) {
                    rolling = true; // an old-settings worker that was starting when the reload came
                }
                rollStep(fx);
            }
        } finally {
            lock.unlock();
        }
        source.exit(resource).thenAccept(status -> exited(w, status));
        fx.run();
    }

    private void startFailed(int slot, Throwable error, boolean forRoll) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
        String message = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        lastError = message;
        Effects fx = new Effects();
        // The failed start's slot and the waiter it was for are settled together, so no waiter waits for a start that will not come.
        lock.lock();
        try {
            starting--;
            slots.clear(slot);
            if (forRoll) {
                // The new settings do not start: keep the old workers serving and say so; nobody waited for this one.
                surging = false;
                rolling = false;
                surge--;
                lastError = "rolling replacement stopped: a worker with the new settings failed to start: " + message;
                LOG.atError().addKeyValue("pool", settings.name()).log("pool {}: {}", settings.name(), lastError);
                return;
            }
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

    /** A start that waited out a backoff delay; skipped (its slot released) if the pool closed meanwhile. */
    private void delayedSpawn(int slot) {
        // A close may have come during the delay: then the reserved starting slot is released instead.
        lock.lock();
        try {
            if (closed) {
                starting--;
                slots.clear(slot);
                return;
            }
        } finally {
            lock.unlock();
        }
        spawn(slot);
    }

    private void retryMissing() {
        int spawn = -1;
        // A close may have come since the retry was scheduled.
        lock.lock();
        try {
            retryScheduled = false;
            if (!closed && missing > 0) {
                missing--;
                starting++;
                spawn = takeSlot();
            }
        } finally {
            lock.unlock();
        }
        if (spawn >= 0) spawn(spawn);
    }

    private void exited(Worker<W> w, ExitStatus status) {
        Effects fx = new Effects();
        String giveUp = null;
        // The exit races the holder's checkin and the pool's own stop; the worker's state says who accounts for it.
        lock.lock();
        try {
            WorkerState was = w.state;
            w.to(WorkerState.GONE, settings.name());
            if (was == WorkerState.LEAVING) {
                fx.exited(w, w.leaving, status); // the pool stopped it and has already accounted for it
            } else {
                fx.exited(w, exitReason(status), status);
                giveUp = crashed(w, was, status, fx);
            }
        } finally {
            lock.unlock();
        }
        fx.run();
        if (giveUp != null) onGiveUp.accept(giveUp);
    }

    /** Accounts for {@code w}, which died on its own in state {@code was}; a verdict if the pool must give up. Under the lock. */
    private String crashed(Worker<W> w, WorkerState was, ExitStatus status, Effects fx) {
        String giveUp = null;
        {
            live.remove(w);
            switch (was) {
                case BUSY -> {
                    Grant<W> grant = w.lease;
                    unlend(w);
                    // Loses to a holder that ended the lease a moment ago; that holder then finds w.lease gone.
                    grant.end(new Ending(Reason.WORKER_DIED, "is void: the worker " + status));
                }
                case IDLE -> idle.remove(w);
                case DYING -> dying--;
                default -> throw new IllegalStateException("pool " + settings.name() + ": worker " + w.pid + " exited in state " + was);
            }
            lastError = "worker " + w.pid + " " + status;
            if (!crashes.admit(System.nanoTime())) {
                giveUp = crashes.verdict() + " among the workers of pool " + settings.name() + "; last: worker " + w.pid + " " + status;
            }
            int streak = settings.backoff().streakAfter(shortRuns.getOrDefault(w.slot, 0), Duration.ofNanos(clock.nanoTime() - w.readyNanos));
            if (streak == 0) shortRuns.remove(w.slot); else shortRuns.put(w.slot, streak);
            Duration delay = settings.backoff().delay(streak, java.util.concurrent.ThreadLocalRandom.current()::nextDouble);
            if (w == retiring) {
                // Rolled out by dying: its replacement is running already (with a slot of its own).
                slots.clear(w.slot);
                retiring = null;
                surge--;
                rollStep(fx);
            } else if (delay.isZero() || closed || !(waiting > 0 || overflow == 0)) {
                replace(fx, w.slot);
            } else {
                // As replace(), but the start waits out the backoff; a waiter waits for it as for any starting worker.
                starting++;
                fx.spawnAfter(delay, w.slot);
                LOG.atInfo().addKeyValue("pool", settings.name()).addKeyValue("pid", w.pid).log("pool {}: worker {} {} after a short run; its replacement starts in {} ms (backoff)",
                        settings.name(), w.pid, status, delay.toMillis());
            }
        }
        return giveUp;
    }

    // ---- memory limits ------------------------------------------------------------------------------

    /**
     * Periodic: samples each worker's process tree (off the lock: reading /proc is I/O). An idle worker
     * over max_memory is replaced now; a lent one is marked and replaced when it is checked in.
     */
    private void checkMemory() {
        long limit = settings.maxMemory();
        for (Worker<W> w : live) {
            WorkerState state = w.state;
            if ((state != WorkerState.IDLE && state != WorkerState.BUSY) || w.overMemory != null) continue;
            long used = source.memory(w.resource);
            if (used <= limit) continue;
            String why = "uses " + (used >> 20) + " MB, over max_memory " + (limit >> 20) + " MB";
            w.overMemory = why;
            Effects fx = new Effects();
            // The sample was taken without the lock: the worker may have been lent (then checkin replaces it) or have left.
            lock.lock();
            try {
                if (w.state == WorkerState.IDLE) {
                    idle.remove(w); // an overflow_ttl timer for this stay finds it LEAVING and does nothing
                    w.leaving = ExitReason.MEMORY;
                    lastError = "worker " + w.pid + " " + why;
                    retire(w, fx);
                }
            } finally {
                lock.unlock();
            }
            if (w.leaving == ExitReason.MEMORY) {
                LOG.atWarn().addKeyValue("pool", settings.name()).addKeyValue("pid", w.pid).log("pool {}: idle worker {} {}; replacing it", settings.name(), w.pid, why);
            }
            fx.run();
        }
    }

    // ---- health checks ------------------------------------------------------------------------------

    private boolean checksOnCheckout() {
        PoolHealth h = settings.health();
        return h != null && h.onCheckout();
    }

    /** Periodic: each idle worker is checked on a virtual thread of its own. */
    private void checkIdleWorkers() {
        for (Worker<W> w : live) {
            if (w.state == WorkerState.IDLE) {
                Thread.ofVirtual().name("pooly-health-" + settings.name() + "-" + w.pid).start(() -> checkIdle(w));
            }
        }
    }

    /** Takes idle {@code w} off the idle list as if lent (so no caller gets it meanwhile), checks it, returns it. */
    private void checkIdle(Worker<W> w) {
        Grant<W> grant;
        // The scan saw it idle without the lock: a checkout may have taken it, or it may have left, since.
        lock.lock();
        try {
            if (closed || w.state != WorkerState.IDLE) return;
            idle.remove(w);
            grant = lend(w, Thread.currentThread());
            w.uses--; // a check is not a use (max_uses counts leases)
        } finally {
            lock.unlock();
        }
        if (probe(grant)) checkin(grant); // a caller that queued meanwhile gets it from checkin
    }

    /**
     * Writes the health request to {@code grant}'s worker and waits up to the timeout for the expected
     * answer. False when the check failed: then the lease has ended and the worker is killed and replaced
     * (exit reason health). The timeout is enforced by killing the worker, which ends the blocked read.
     */
    private boolean probe(Grant<W> grant) {
        PoolHealth h = settings.health();
        PoolClock.Scheduled timer = clock.after(h.timeout(),
                () -> failCheck(grant, "gave no answer to " + h.request() + " within " + format(h.timeout())));
        String answer;
        try {
            answer = source.probe(grant.worker.resource, h.request());
        } catch (java.io.IOException | RuntimeException e) {
            timer.cancel();
            failCheck(grant, "failed its health check (" + e.getMessage() + ")");
            return false;
        }
        timer.cancel();
        if (!h.expect().equals(answer)) {
            failCheck(grant, answer == null ? "closed its stdout instead of answering " + h.request()
                    : "answered '" + answer + "' to " + h.request() + ", expected '" + h.expect() + "'");
            return false;
        }
        return grant.active(); // false if the timer ended it just as the answer came
    }

    private void failCheck(Grant<W> grant, String why) {
        // The timer and the prober race to fail the same check; the lease's CAS lets one through.
        if (!grant.end(new Ending(Reason.DISCARDED, "was ended: the worker " + why + " (health check)"))) return;
        grant.worker.leaving = ExitReason.HEALTH;
        lastError = "worker " + grant.worker.pid + " " + why + " (health check)";
        LOG.atWarn().addKeyValue("pool", settings.name()).addKeyValue("pid", grant.worker.pid)
                .log("pool {}: worker {} {}; replacing it (health check)", settings.name(), grant.worker.pid, why);
        takeBack(grant, "health check: " + why);
    }

    // ---- reload: resize in place and rolling replacement ------------------------------------------

    /**
     * Applies new settings in place. Size and overflow: growing starts the missing workers (overflow
     * workers already running count towards the new size first); shrinking dismisses idle workers at
     * once and busy ones as they come back (never a lease cut short). Strategy, timeouts, max_uses and
     * on_abandon apply to the next checkout/checkin; a changed intensity starts a fresh window.
     *
     * <p>With {@code newWorkers} (the worker settings changed, and the source starts workers with the
     * new ones from now on) the workers are rolled: one extra worker with the new settings starts; once
     * it is ready (lent or idle), one old worker leaves (an idle one at once, else a busy one at its
     * checkin); then the next. So capacity never drops below {@code size} and no caller sees an error.
     */
    public void reconfigure(Settings next, boolean newWorkers) {
        Effects fx = new Effects();
        // A resize races checkouts, checkins and exits: the counts are read and changed in one step.
        lock.lock();
        try {
            if (closed) return;
            Settings was = settings;
            settings = next;
            if (!next.intensity().equals(was.intensity())) crashes = new RestartWindow(next.intensity());
            rearmRounds(was, next);
            int base = idle.size() + busy + starting + dying + missing - overflow - surge;
            if (next.size() > base) {
                int grow = next.size() - base;
                int fromShrink = Math.min(pendingShrink, grow); // surplus not yet gone is simply kept
                pendingShrink -= fromShrink;
                overflow -= fromShrink;
                grow -= fromShrink;
                int adopt = Math.min(overflow, grow); // running overflow workers become base workers
                overflow -= adopt;
                grow -= adopt;
                starting += grow;
                for (int i = 0; i < grow; i++) fx.spawn(takeSlot());
            } else if (next.size() < base) {
                int excess = base - next.size();
                int notRetried = Math.min(missing, excess); // failed starts not to retry any more
                missing -= notRetried;
                excess -= notRetried;
                overflow += excess;
                pendingShrink += excess;
                Worker<W> w;
                while (pendingShrink > 0 && (w = idle.removeLast()) != null) {
                    pendingShrink--;
                    overflow--;
                    dismiss(w, fx); // scaled down
                }
            }
            // Idle overflow workers beyond a lowered max_overflow leave now, too.
            Worker<W> w;
            while (overflow - pendingShrink > next.maxOverflow() && (w = idle.removeLast()) != null) {
                overflow--;
                dismiss(w, fx);
            }
            if (newWorkers) {
                generation++;
                rolling = true;
                rollStep(fx);
            }
        } finally {
            lock.unlock();
        }
        fx.run();
    }

    /** Whether a rolling replacement is under way (for status and tests). */
    public boolean rolling() {
        // A consistent read of the roll's three fields.
        lock.lock();
        try {
            return rolling || surging || retiring != null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The next step of a roll: when no step is in flight and an old worker remains, start one extra
     * worker. Under the lock. The scan for an old worker is O(workers); it runs once per replaced
     * worker during a reload, never on the checkout/checkin path.
     */
    private void rollStep(Effects fx) {
        if (!rolling || surging || retiring != null || closed) return;
        if (oldest(true) == null) {
            rolling = false;
            LOG.atInfo().addKeyValue("pool", settings.name()).log("pool {}: every worker runs the current settings", settings.name());
            return;
        }
        surging = true;
        surge++;
        starting++;
        fx.spawnForRoll(takeSlot()); // one beyond size + max_overflow at most: the BitSet grows
    }

    /** The roll's new worker is ready: one old worker leaves, an idle one now, else a busy one at checkin. Under the lock. */
    private void retireOneOld(Effects fx) {
        Worker<W> old = oldest(false);
        if (old != null) {
            idle.remove(old);
            dismiss(old, fx); // replaced by a reload
            surge--;
            return;
        }
        old = oldest(true);
        if (old == null) {
            // The old ones left by themselves meanwhile (crash, max_uses) and were replaced: the extra
            // worker becomes an overflow one, dismissed as overflow workers are.
            surge--;
            overflow++;
            return;
        }
        retiring = old;
    }

    /** An old-generation worker: idle only, or idle or busy. Under the lock. */
    private Worker<W> oldest(boolean busyToo) {
        long current = generation;
        Worker<W> busyOne = null;
        for (Worker<W> w : live) {
            if (w.gen == current) continue;
            if (w.state == WorkerState.IDLE) return w;
            if (busyToo && w.state == WorkerState.BUSY && busyOne == null) busyOne = w;
        }
        return busyOne;
    }

    // ---- owner death and request deadlines ---------------------------------------------------------

    /**
     * Periodic: requests past their deadline, and leases all of whose user threads ended. A lock-free
     * scan of the live workers (racy reads are settled by the lease's CAS and rechecked under the lock
     * by the transitions it calls), so that checkout and checkin need not maintain a set of leases.
     */
    void sweep() {
        long now = clock.nanoTime();
        List<Grant<W>> due = null;
        for (Worker<W> w : live) {
            Grant<W> grant = w.lease;
            if (grant == null || !grant.active()) continue;
            long deadline = grant.requestDeadline;
            if ((deadline != 0 && now - deadline > 0) || grant.holdersGone()) {
                if (due == null) due = new ArrayList<>(2);
                due.add(grant);
            }
        }
        if (due == null) return;
        // In lending order, not the live set's hash order: replacements then start in a reproducible order.
        due.sort(java.util.Comparator.comparingLong(g -> g.seq));
        for (Grant<W> grant : due) {
            long deadline = grant.requestDeadline;
            if (deadline != 0 && now - deadline > 0) {
                revoke(grant, new Ending(Reason.REQUEST_TIMEOUT, "is void: the worker gave no answer within the request's deadline and was killed"));
            } else {
                abandon(grant);
            }
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
        Effects fx = new Effects();
        // Checkouts and checkins after this see closed; every lease ends before its worker is dismissed.
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
        if (healthRounds != null) healthRounds.cancel();
        if (memoryRounds != null) memoryRounds.cancel();
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
            waitingN = waiting;
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
            return new int[] {idle.size(), busy, overflow, starting, dying, missing, waiting, slots.cardinality()};
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

    private volatile Consumer<? super WorkerExit> exitListener;
    /** The last worker exit reported, for the status; written after the lock, read without it. */
    private volatile WorkerExit lastExit;

    /** What a transition decided to do once the lock is released. Used by one thread. */
    private final class Effects {
        private WorkerExit exit;

        void exited(Worker<W> w, ExitReason reason, ExitStatus status) {
            exit = new WorkerExit(settings.name(), w.id, w.pid, w.slot, reason, status);
        }

        private List<Worker<W>> dismiss;
        private List<Worker<W>> kill;
        private List<Integer> spawns;
        /** The roll's extra worker's slot, or -1. */
        private int rollSpawn = -1;
        private long retryAfterMs = -1;

        void dismiss(Worker<W> w) {
            if (dismiss == null) dismiss = new ArrayList<>(2);
            dismiss.add(w);
        }

        void kill(Worker<W> w) {
            if (kill == null) kill = new ArrayList<>(1);
            kill.add(w);
        }

        void spawn(int slot) {
            if (spawns == null) spawns = new ArrayList<>(1);
            spawns.add(slot);
        }

        private Duration spawnAfter;
        private int spawnAfterSlot;

        /** One spawn into {@code slot}, after {@code delay} (only one per transition: a worker exit). */
        void spawnAfter(Duration delay, int slot) {
            spawnAfter = delay;
            spawnAfterSlot = slot;
        }

        void spawnForRoll(int slot) { rollSpawn = slot; }

        void retryAfter(long ms) { retryAfterMs = ms; }

        void run() {
            if (exit != null) {
                lastExit = exit;
                Consumer<? super WorkerExit> l = exitListener;
                try {
                    // One exit, one reason, for both observers: the metrics listener and Pool.onWorkerExit.
                    listener.workerExited(exit.reason());
                    if (l != null) l.accept(exit);
                } catch (RuntimeException e) {
                    LOG.warn("pool {}: worker exit listener failed on {}", settings.name(), exit, e);
                }
                if (exit.reason() != ExitReason.CRASH && exit.reason() != ExitReason.STOPPED) {
                    // max_uses and overflow_ttl retire workers as planned, up to once per lease: debug (issue 22).
                    boolean planned = exit.reason() == ExitReason.MAX_USES || exit.reason() == ExitReason.OVERFLOW_TTL;
                    (planned ? LOG.atDebug() : LOG.atInfo()).addKeyValue("pool", settings.name())
                            .addKeyValue("worker", exit.worker()).addKeyValue("pid", exit.pid())
                            .log("pool {}: worker {} (pid {}) ended: {}", settings.name(), exit.worker(), exit.pid(), exit.reason().label());
                }
            }
            if (kill != null) for (Worker<W> w : kill) source.kill(w.resource);
            if (dismiss != null) for (Worker<W> w : dismiss) if (kill == null || !kill.contains(w)) source.dismiss(w.resource);
            if (spawns != null) for (int slot : spawns) PoolCore.this.spawn(slot);
            if (spawnAfter != null) {
                int slot = spawnAfterSlot;
                clock.after(spawnAfter, () -> delayedSpawn(slot));
            }
            if (rollSpawn >= 0) PoolCore.this.spawn(rollSpawn, true);
            if (retryAfterMs >= 0) clock.after(Duration.ofMillis(retryAfterMs), PoolCore.this::retryMissing);
        }
    }
}
