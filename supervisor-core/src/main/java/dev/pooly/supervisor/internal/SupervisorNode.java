package dev.pooly.supervisor.internal;

import dev.pooly.supervisor.ChildStartException;
import dev.pooly.supervisor.NodeStatus;
import dev.pooly.supervisor.Shutdown;
import dev.pooly.supervisor.SupervisorSpec;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A child that is a nested supervisor (its own actor). See {@link Child} for threading. */
final class SupervisorNode extends Child {
    private volatile SupervisorActor current;

    SupervisorNode(SupervisorSpec spec, SupervisorActor owner) {
        super(spec, owner);
    }

    SupervisorActor current() { return current; }

    @Override void start() {
        state = NodeStatus.State.STARTING;
        // A restart starts from what reloads made of the previous incarnation, not from the original spec.
        SupervisorActor previous = current;
        SupervisorSpec from = previous == null ? (SupervisorSpec) spec : previous.currentSpec();
        SupervisorActor actor = new SupervisorActor(from, owner, path, owner.listener());
        current = actor;
        try {
            actor.begin().get();
        } catch (ExecutionException e) {
            state = NodeStatus.State.FAILED;
            throw ProcessNode.startFailure(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            actor.kill("start interrupted");
            state = NodeStatus.State.FAILED;
            throw new ChildStartException(id(), "start of " + id() + " interrupted");
        }
        long gen = ++generation;
        state = NodeStatus.State.RUNNING;
        actor.termination().thenAccept(status -> notifyExit(gen, status));
    }

    @Override void stop() {
        generation++;
        SupervisorActor actor = current;
        if (actor != null && !actor.termination().isDone()) {
            switch (spec.shutdown()) {
                case Shutdown.BrutalKill b -> actor.kill("brutal_kill");
                case Shutdown.Infinity i -> actor.shutdown();
                case Shutdown.Graceful g -> {
                    actor.shutdown();
                    try {
                        actor.termination().get(g.timeout().toNanos(), TimeUnit.NANOSECONDS);
                    } catch (TimeoutException | ExecutionException e) {
                        actor.kill("shutdown timeout of " + Launcher.format(g.timeout()) + " exceeded");
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        actor.kill("interrupted");
                    }
                }
            }
            actor.termination().join();
        }
        state = NodeStatus.State.STOPPED;
    }

    @Override CompletableFuture<Void> kill() {
        SupervisorActor actor = current;
        if (actor == null) return CompletableFuture.completedFuture(null);
        actor.kill("killed on request");
        return actor.termination().thenApply(status -> null);
    }

    @Override void killProcesses() {
        SupervisorActor actor = current;
        if (actor != null) actor.killProcesses();
    }

    @Override void afterExit() {
        // The nested actor stopped its own children before it exited.
    }

    @Override NodeStatus status() {
        SupervisorActor actor = current;
        return new NodeStatus(id(), NodeStatus.Type.SUPERVISOR, state, 0, restarts, lastError,
                actor == null || state == NodeStatus.State.STOPPED ? List.of() : actor.childStatuses(), nextRestartMs(), lastExit, settled());
    }
}
