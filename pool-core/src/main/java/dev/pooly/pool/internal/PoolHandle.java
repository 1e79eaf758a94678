package dev.pooly.pool.internal;

import dev.pooly.pool.Lease;
import dev.pooly.pool.Pool;
import dev.pooly.pool.PoolClosedException;
import dev.pooly.pool.PoolListener;
import dev.pooly.pool.PoolSpec;
import dev.pooly.pool.PoolStatus;
import dev.pooly.pool.PoolTimeoutException;
import dev.pooly.pool.PoolInterruptedException;
import dev.pooly.supervisor.ChildSpec;
import dev.pooly.supervisor.ProcessSpec;
import dev.pooly.supervisor.RestartType;
import dev.pooly.supervisor.Service;
import dev.pooly.supervisor.ServiceContext;
import dev.pooly.supervisor.ServiceSpec;
import dev.pooly.supervisor.Shutdown;
import dev.pooly.supervisor.Stdio;
import dev.pooly.supervisor.Strategy;
import dev.pooly.supervisor.Supervisor;
import dev.pooly.supervisor.SupervisorSpec;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The stable face of a pool. Each start of the pool server makes a new {@link PoolCore} and
 * {@linkplain #attach attaches} it here; callers that arrive while none is attached wait for the next
 * one within their timeout, and callers whose incarnation closed under them try the next one.
 *
 * <p>Thread-safe: {@code core} and {@code next} are volatile and replaced only by the pool server.
 */
public final class PoolHandle implements Pool {
    /** Replaced by {@link #reconfigure}; every later start of a worker or of the pool uses the new one. */
    private volatile PoolSpec spec;
    private volatile PoolCore.Settings settings;
    private final PoolListener listener;
    private volatile PoolCore<PooledProcess> core;
    private volatile CompletableFuture<PoolCore<PooledProcess>> next = new CompletableFuture<>();
    /** Set once the pool is shut down for good: callers fail at once instead of waiting for a next incarnation. */
    private volatile PoolClosedException closedForGood;

    public PoolHandle(PoolSpec spec) {
        this(spec, PoolListener.NONE);
    }

    /** @param listener told of every incarnation's traffic (see its thread rules) */
    public PoolHandle(PoolSpec spec, PoolListener listener) {
        this.spec = spec;
        this.listener = java.util.Objects.requireNonNull(listener, "listener");
        this.settings = settingsOf(spec);
    }

    private static PoolCore.Settings settingsOf(PoolSpec spec) {
        return new PoolCore.Settings(spec.name(), spec.worker().command().toString(), spec.size(),
                spec.maxOverflow(), spec.strategy(), spec.overflowTtl(), spec.maxUses(), spec.leaseTimeout(),
                spec.onAbandon(), spec.intensity(), spec.worker().backoff(), spec.health(), spec.maxMemory());
    }

    /** The template a worker starts from now (the pool's name as id, its stdin/stdout the channel). */
    ProcessSpec workerTemplate() {
        return spec.worker().withId(spec.name()).withStdio(Stdio.CHANNEL).withRestart(RestartType.TEMPORARY);
    }

    @Override public void reconfigure(PoolSpec next) {
        if (!next.name().equals(spec.name())) throw new IllegalArgumentException("pool " + spec.name() + " cannot become pool " + next.name());
        boolean newWorkers = !next.worker().equals(spec.worker()) || !next.framing().equals(spec.framing());
        // The spec first: a worker started after the core's generation moves on must use it (see PoolCore.spawn).
        spec = next;
        settings = settingsOf(next);
        PoolCore<PooledProcess> c = core;
        if (c != null) c.reconfigure(settings, newWorkers);
    }

    @Override public void resize(int size, int maxOverflow) {
        PoolSpec s = spec;
        reconfigure(new PoolSpec(s.name(), s.worker(), size, maxOverflow, s.strategy(), s.checkoutTimeout(), s.overflowTtl(),
                s.maxUses(), s.leaseTimeout(), s.onAbandon(), s.intensity(), s.health(), s.maxMemory()));
    }

    /** Whether the current incarnation is rolling its workers onto new settings. */
    public boolean rolling() {
        PoolCore<PooledProcess> c = core;
        return c != null && c.rolling();
    }

    /** The pool's subtree: its supervisor (one_for_all) over the workers supervisor and the server. */
    public SupervisorSpec subtree() {
        ChildSpec template = spec.worker().withId(spec.name()).withStdio(Stdio.CHANNEL).withRestart(RestartType.TEMPORARY);
        SupervisorSpec workers = SupervisorSpec.dynamic(spec.name() + ".workers", spec.intensity(), template);
        ServiceSpec server = new ServiceSpec(spec.name() + ".server", () -> new Server(this), RestartType.PERMANENT,
                Shutdown.graceful(Duration.ofSeconds(5)));
        return SupervisorSpec.of(spec.name(), Strategy.ONE_FOR_ALL, spec.intensity(), List.of(workers, server));
    }

    @Override public String name() { return spec.name(); }

    @Override public PoolSpec spec() { return spec; }

    /** Listeners of worker exits; the set is read by every incarnation, so none is lost across a pool restart. */
    private final java.util.List<java.util.function.Consumer<? super dev.pooly.pool.WorkerExit>> exitListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override public void onWorkerExit(java.util.function.Consumer<? super dev.pooly.pool.WorkerExit> listener) {
        exitListeners.add(java.util.Objects.requireNonNull(listener, "listener"));
    }

    private void workerExited(dev.pooly.pool.WorkerExit exit) {
        for (var l : exitListeners) l.accept(exit);
    }

    @Override public Lease checkout(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            PoolCore<PooledProcess> c = current(deadline, timeout);
            try {
                return new ProcessLease(c.checkout(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), true));
            } catch (PoolTimeoutException e) {
                throw new PoolTimeoutException("pool " + spec.name() + ": no worker available within " + PoolCore.format(timeout));
            } catch (PoolClosedException e) {
                if (closedForGood != null || System.nanoTime() - deadline >= 0) throw e; // else: restarting; wait for the new one
            }
        }
    }

    @Override public Optional<Lease> tryCheckout() {
        if (closedForGood != null) throw new PoolClosedException(closedForGood.getMessage(), closedForGood);
        PoolCore<PooledProcess> c = core;
        if (c == null || c.isClosed()) return Optional.empty();
        Grant<PooledProcess> grant = c.checkout(spec.checkoutTimeout(), false);
        return grant == null ? Optional.empty() : Optional.of(new ProcessLease(grant));
    }

    @Override public PoolStatus status() {
        PoolCore<PooledProcess> c = core;
        if (c != null) return c.status();
        return new PoolStatus(spec.name(), PoolStatus.State.FULL, spec.size(), spec.maxOverflow(), 0, 0, 0, 0, 0, List.of(),
                "pool " + spec.name() + " is not running");
    }

    private PoolCore<PooledProcess> current(long deadline, Duration timeout) {
        while (true) {
            if (closedForGood != null) throw new PoolClosedException(closedForGood.getMessage(), closedForGood);
            PoolCore<PooledProcess> c = core;
            if (c != null && !c.isClosed()) return c;
            try {
                next.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new PoolTimeoutException("pool " + spec.name() + " is not running; waited " + PoolCore.format(timeout));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PoolInterruptedException("pool " + spec.name() + ": interrupted while waiting for the pool to start");
            } catch (ExecutionException e) {
                if (e.getCause() instanceof PoolClosedException closed) throw new PoolClosedException(closed.getMessage(), closed);
                throw new IllegalStateException(e);
            }
            if (System.nanoTime() - deadline >= 0 && core == null) {
                throw new PoolTimeoutException("pool " + spec.name() + " is not running; waited " + PoolCore.format(timeout));
            }
        }
    }

    /**
     * Shuts the pool for good (before its tree is shut down): waiters and later callers get
     * {@link PoolClosedException} at once rather than waiting for an incarnation that will not come.
     */
    public void closeForGood() {
        PoolClosedException why = new PoolClosedException("pool " + spec.name() + " is closed (shut down for good)");
        closedForGood = why;
        next.completeExceptionally(why);
        PoolCore<PooledProcess> c = core;
        if (c != null) c.close(why);
    }

    void attach(PoolCore<PooledProcess> incarnation) {
        core = incarnation;
        next.complete(incarnation);
    }

    void detach(PoolCore<PooledProcess> incarnation, PoolClosedException why) {
        if (core == incarnation) {
            // Order matters: a new pending future before clearing core, so no caller waits on a stale one.
            next = new CompletableFuture<>();
            core = null;
        }
        incarnation.close(why);
    }

    /** The pool server: one incarnation of the pool's bookkeeping, a service child of the pool supervisor. */
    private static final class Server implements Service {
        private final PoolHandle handle;
        private PoolCore<PooledProcess> core;

        Server(PoolHandle handle) {
            this.handle = handle;
        }

        @Override public void start(ServiceContext context) {
            String workersId = handle.spec.name() + ".workers";
            Supervisor workers = context.siblingSupervisor(workersId)
                    .orElseThrow(() -> new IllegalStateException("pool " + handle.spec.name() + ": no sibling supervisor " + workersId));
            core = new PoolCore<>(handle.settings, new ProcessWorkers(workers, handle.spec.name(), handle::workerTemplate, () -> handle.spec.framing()),
                    reason -> context.crash(reason, null), PoolClock.SYSTEM, handle.listener);
            core.onWorkerExit(handle::workerExited);
            handle.attach(core);
            core.fill();
        }

        @Override public void stop(Duration timeout) {
            if (core != null) handle.detach(core, new PoolClosedException("pool " + handle.spec.name() + " stopped"));
        }
    }
}
