package dev.pooly.pool;

import dev.pooly.testing.Waits;
import dev.pooly.testing.Pids;
import dev.pooly.testing.EventLog;

import dev.pooly.supervisor.ProcessSpec;
import org.awaitility.core.ConditionFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@link StandalonePool} started for one test and closed with try-with-resources: closing shuts the
 * pool down and proves that no process it ever started is left running.
 *
 * <p>"Started" means every pid a lease, a status or a supervision event showed, and every descendant
 * of this JVM that was not there before the pool started and runs the pool's worker command (or
 * descends from one). Used by one test thread; {@link Borrower}s
 * are its other threads.
 */
final class RunningPool implements AutoCloseable {
    static final Duration PATIENCE = Waits.PATIENCE;

    final StandalonePool pool;
    final EventLog events;
    private final Set<Long> before;
    private final Set<Long> seen = ConcurrentHashMap.newKeySet();
    private final List<Borrower> borrowers = new CopyOnWriteArrayList<>();
    private final List<Lease> lent = new CopyOnWriteArrayList<>();

    private RunningPool(StandalonePool pool, EventLog events, Set<Long> before) {
        this.pool = pool;
        this.events = events;
        this.before = before;
    }

    /** A pool of {@code cat} workers, the line worker of these tests, with the contract's defaults. */
    static PoolSpec cats(String name, int size, int maxOverflow) {
        return PoolSpec.of(name, ProcessSpec.of(name, "cat"), size, maxOverflow);
    }

    /** A pool of {@code sh -c script} workers. */
    static PoolSpec shells(String name, int size, int maxOverflow, String script) {
        return PoolSpec.of(name, ProcessSpec.of(name, "sh", "-c", script), size, maxOverflow);
    }

    /** Starts the pool and waits until its {@code size} workers are idle. */
    static RunningPool start(PoolSpec spec) {
        RunningPool running = startWithoutWaiting(spec);
        try {
            running.awaitCounts(new Counts(spec.size() > 0 ? PoolStatus.State.READY
                    : spec.maxOverflow() > 0 ? PoolStatus.State.OVERFLOW : PoolStatus.State.FULL, spec.size(), 0, 0, 0));
            running.awaitSettled();
        } catch (RuntimeException | Error e) {
            running.close();
            throw e;
        }
        return running;
    }

    static RunningPool startWithoutWaiting(PoolSpec spec) {
        Set<Long> before = Pids.ofThisJvm();
        EventLog events = new EventLog();
        return new RunningPool(Pools.start(spec, events), events, before);
    }

    /** See {@link Waits#await()}. */
    static ConditionFactory await() {
        return Waits.await();
    }

    /** See {@link Waits#during(Duration)}. */
    static ConditionFactory during(Duration period) {
        return Waits.during(period);
    }

    String name() {
        return pool.name();
    }

    Lease checkout() {
        return track(pool.checkout(PATIENCE));
    }

    Lease checkout(Duration timeout) {
        return track(pool.checkout(timeout));
    }

    Optional<Lease> tryCheckout() {
        return pool.tryCheckout().map(this::track);
    }

    /** {@code n} checkouts in a row, each expected to succeed at once (idle or overflow worker). */
    List<Lease> checkout(int n) {
        List<Lease> leases = new ArrayList<>();
        for (int i = 0; i < n; i++) leases.add(checkout());
        return leases;
    }

    /**
     * Notes the lease's worker and keeps the lease reachable until the pool closes: a lease nobody
     * references is reclaimed as abandoned (by design), which a test that just ignores a checkout's
     * result does not mean. Tests about that reclaiming check out through {@code pool} directly.
     */
    Lease track(Lease lease) {
        seen.add(lease.pid());
        lent.add(lease);
        return lease;
    }

    void track(long pid) {
        if (pid > 0) seen.add(pid);
    }

    PoolStatus status() {
        PoolStatus status = pool.status();
        status.workers().forEach(w -> track(w.pid()));
        return status;
    }

    Counts counts() {
        return Counts.of(status());
    }

    /** Waits until the status counters are {@code expected}; fails with the last status seen. */
    void awaitCounts(Counts expected) {
        await().untilAsserted(() -> {
            PoolStatus status = status();
            assertThat(Counts.of(status)).as("counters of %s", status).isEqualTo(expected);
        });
    }

    /** Waits until no worker is starting or stopping, so counters and the worker list agree. */
    void awaitSettled() {
        await().untilAsserted(() -> {
            PoolStatus status = status();
            assertThat(status.starting()).as("starting in %s", status).isZero();
            assertThat(status.workers()).as("workers of %s", status)
                    .allSatisfy(w -> assertThat(w.state()).isIn(PoolStatus.WorkerState.IDLE, PoolStatus.WorkerState.BUSY))
                    .hasSize(status.idle() + status.busy());
        });
    }

    Set<Long> pids(PoolStatus.WorkerState state) {
        return status().workers().stream().filter(w -> w.state() == state).map(PoolStatus.Worker::pid)
                .collect(Collectors.toSet());
    }

    Set<Long> idlePids() {
        return pids(PoolStatus.WorkerState.IDLE);
    }

    Set<Long> workerPids() {
        return status().workers().stream().map(PoolStatus.Worker::pid).filter(p -> p > 0).collect(Collectors.toSet());
    }

    /** Waits for {@code idle} idle workers none of which is one of {@code old}; returns their pids. */
    Set<Long> awaitIdleWorkersOtherThan(int idle, Set<Long> old) {
        await().untilAsserted(() -> {
            PoolStatus status = status();
            assertThat(status.idle()).as("idle in %s", status).isEqualTo(idle);
            assertThat(status.starting()).as("starting in %s", status).isZero();
            assertThat(idlePids()).as("idle pids of %s", status).hasSize(idle).doesNotContainAnyElementsOf(old);
        });
        return idlePids();
    }

    /** A thread that checks out on its own and holds the lease until told what to do. */
    Borrower borrower(String name, Duration timeout) {
        Borrower borrower = Borrower.start(this, name, timeout);
        borrowers.add(borrower);
        return borrower;
    }

    @Override
    public void close() {
        try {
            borrowers.forEach(Borrower::release);
            CompletableFuture<Void> closing = CompletableFuture.runAsync(pool::close);
            try {
                closing.get(20, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("pool " + name() + " did not close within 20 s: " + pool.status(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            } catch (ExecutionException e) {
                throw new AssertionError("closing pool " + name() + " failed", e.getCause());
            }
            borrowers.forEach(Borrower::awaitEnd);
        } finally {
            Set<Long> all = new HashSet<>(seen);
            all.addAll(events.pids());
            all.addAll(Pids.startedSince(before, pool.spec().worker().command()));
            Pids.awaitDead(all);
        }
    }

    /** Every pid this pool showed so far. */
    Set<Long> seenPids() {
        Set<Long> all = new HashSet<>(seen);
        all.addAll(events.pids());
        return all;
    }

    /**
     * The status counters in the contract's JSON order: state, idle, busy, overflow, waiting (poolboy's
     * {@code {StateName, Idle, Overflow, CheckedOut}} plus the queue length).
     */
    record Counts(PoolStatus.State state, int idle, int busy, int overflow, int waiting) {
        static Counts of(PoolStatus s) {
            return new Counts(s.state(), s.idle(), s.busy(), s.overflow(), s.waiting());
        }

        static Counts ready(int idle, int busy, int overflow) {
            return new Counts(PoolStatus.State.READY, idle, busy, overflow, 0);
        }

        static Counts overflow(int busy, int overflow) {
            return new Counts(PoolStatus.State.OVERFLOW, 0, busy, overflow, 0);
        }

        static Counts full(int busy, int overflow, int waiting) {
            return new Counts(PoolStatus.State.FULL, 0, busy, overflow, waiting);
        }
    }
}
