package dev.pooly.supervisor.internal;

import dev.pooly.supervisor.ChildStartException;
import dev.pooly.supervisor.NodeStatus;
import dev.pooly.supervisor.ProcessSpec;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** A child that is an OS process. See {@link Child} for threading. */
final class ProcessNode extends Child {
    private final String logName;
    final boolean dynamic;
    /** A dynamic child's key in its supervisor's map; 0 for a static child. */
    final long seq;
    private volatile RunningProcess current;

    ProcessNode(ProcessSpec spec, SupervisorActor owner, String logName, boolean dynamic, long seq) {
        super(spec, owner);
        this.logName = logName;
        this.dynamic = dynamic;
        this.seq = seq;
    }

    ProcessSpec processSpec() { return (ProcessSpec) spec; }

    @Override dev.pooly.supervisor.Backoff backoff() { return processSpec().backoff(); }

    CompletableFuture<RunningProcess> launch() {
        state = NodeStatus.State.STARTING;
        return Launcher.launch(processSpec(), id(), logName, owner.path());
    }

    @Override void start() {
        RunningProcess running;
        try {
            running = launch().get();
        } catch (ExecutionException | CompletionException e) {
            state = NodeStatus.State.FAILED;
            throw startFailure(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            state = NodeStatus.State.FAILED;
            throw new ChildStartException(id(), "start of " + id() + " interrupted");
        }
        adopt(running);
    }

    /** Makes {@code running} the current incarnation and watches its exit. Owner's thread. */
    void adopt(RunningProcess running) {
        long gen = ++generation;
        current = running;
        state = NodeStatus.State.RUNNING;
        running.exit().thenAccept(status -> notifyExit(gen, status));
        if (!dynamic) Watchdog.watch(this, running);
    }

    RunningProcess current() { return current; }

    @Override void stop() {
        generation++;
        RunningProcess running = current;
        if (running != null) {
            // Pool workers: group-only stops, so that a thousand of them stop without a thousand /proc scans.
            if (running.runningNow()) running.stop(spec.shutdown(), !dynamic);
            // Exited on its own just before (a worker whose stdin closed): a stop still returns only
            // once it is reaped and its cgroup killed, so that nothing of it is left when a shutdown returns.
            running.awaitExit();
        }
        state = NodeStatus.State.STOPPED;
    }

    @Override CompletableFuture<Void> kill() {
        RunningProcess running = current;
        if (running == null) return CompletableFuture.completedFuture(null);
        running.kill();
        return running.exit().thenApply(status -> null);
    }

    @Override void killProcesses() { kill(); }

    @Override void afterExit() {
        // The process's own exit hook sweeps its group (RunningProcess).
    }

    @Override long pid() {
        RunningProcess running = current;
        return running != null && state == NodeStatus.State.RUNNING ? running.pid() : 0;
    }

    @Override NodeStatus status() {
        return new NodeStatus(id(), NodeStatus.Type.PROCESS, state, pid(), restarts, lastError, List.of(), nextRestartMs(), lastExit, settled());
    }

    static ChildStartException startFailure(Throwable cause) {
        if (cause instanceof CompletionException c && c.getCause() != null) cause = c.getCause();
        if (cause instanceof ChildStartException e) return e;
        return new ChildStartException("?", String.valueOf(cause), cause);
    }
}
