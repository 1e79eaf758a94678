package dev.pooly.supervisor.internal;

import dev.pooly.supervisor.ChildStartException;
import dev.pooly.supervisor.ExitStatus;
import dev.pooly.supervisor.NodeStatus;
import dev.pooly.supervisor.Service;
import dev.pooly.supervisor.ServiceContext;
import dev.pooly.supervisor.ServiceSpec;
import dev.pooly.supervisor.SupervisionEvent;
import dev.pooly.supervisor.Supervisor;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/** A child that is an in-JVM {@link Service}. See {@link Child} for threading. */
final class ServiceNode extends Child {
    private static final Duration FOREVER = Duration.ofDays(365);
    private volatile Service current;
    /** Completes when the current incarnation has been stopped. */
    private volatile CompletableFuture<Void> stopped = CompletableFuture.completedFuture(null);

    ServiceNode(ServiceSpec spec, SupervisorActor owner) {
        super(spec, owner);
    }

    @Override void start() {
        state = NodeStatus.State.STARTING;
        long gen = ++generation;
        Service service;
        stopped = new CompletableFuture<>();
        try {
            service = ((ServiceSpec) spec).factory().get();
            current = service;
            service.start(new Context(gen));
        } catch (Exception | LinkageError e) {
            stopQuietly(current, Duration.ZERO);
            current = null;
            stopped.complete(null);
            state = NodeStatus.State.FAILED;
            throw new ChildStartException(id(), "service " + id() + " failed to start: " + e, e);
        }
        state = NodeStatus.State.RUNNING;
    }

    @Override void stop() {
        generation++;
        Service service = current;
        current = null;
        Duration timeout = timeoutOf(spec.shutdown());
        stopQuietly(service, timeout == null ? FOREVER : timeout);
        stopped.complete(null);
        state = NodeStatus.State.STOPPED;
    }

    @Override CompletableFuture<Void> kill() {
        long gen = generation;
        CompletableFuture<Void> done = stopped;
        if (current == null) return done;
        notifyExit(gen, new ExitStatus.Crashed("killed on request"));
        return done;
    }

    @Override void killProcesses() {
        // Processes a service owns live in its own subtree (a pool's workers supervisor), not here.
    }

    @Override void afterExit() {
        Service service = current;
        current = null;
        Duration timeout = timeoutOf(spec.shutdown());
        stopQuietly(service, timeout == null ? FOREVER : timeout);
        stopped.complete(null);
    }

    @Override NodeStatus status() {
        return new NodeStatus(id(), NodeStatus.Type.SERVICE, state, 0, restarts, lastError, List.of(), nextRestartMs(), lastExit, settled());
    }

    private void stopQuietly(Service service, Duration timeout) {
        if (service == null) return;
        try {
            service.stop(timeout);
        } catch (RuntimeException | LinkageError e) {
            lastError = "service " + id() + " failed to stop: " + e;
        }
    }

    /** What the running incarnation {@code generation} sees of its tree. */
    private final class Context implements ServiceContext {
        private final long generation;
        private final AtomicBoolean crashed = new AtomicBoolean();

        Context(long generation) {
            this.generation = generation;
        }

        @Override public String id() { return ServiceNode.this.id(); }

        @Override public Optional<Supervisor> siblingSupervisor(String id) {
            return owner.childSupervisor(id);
        }

        @Override public void crash(String reason, Throwable cause) {
            // Only the first report counts: a crashing service often notices its failure several times.
            if (!crashed.compareAndSet(false, true)) return;
            notifyExit(generation, new ExitStatus.Crashed(reason + (cause == null ? "" : ": " + cause)));
        }

        @Override public void publish(SupervisionEvent event) {
            owner.publish(event);
        }
    }
}
