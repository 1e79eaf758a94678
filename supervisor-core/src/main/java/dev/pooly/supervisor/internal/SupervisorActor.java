package dev.pooly.supervisor.internal;

import dev.pooly.supervisor.ChildSpec;
import dev.pooly.supervisor.ChildStartException;
import dev.pooly.supervisor.ExitStatus;
import dev.pooly.supervisor.NodeStatus;
import dev.pooly.supervisor.ProcessChild;
import dev.pooly.supervisor.ProcessSpec;
import dev.pooly.supervisor.RestartType;
import dev.pooly.supervisor.RestartWindow;
import dev.pooly.supervisor.ServiceSpec;
import dev.pooly.supervisor.Strategy;
import dev.pooly.supervisor.SupervisionEvent;
import dev.pooly.supervisor.Supervisor;
import dev.pooly.supervisor.SupervisorSpec;
import dev.pooly.supervisor.UnknownChildException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * A supervisor as an actor: one virtual thread takes messages from the mailbox one at a time and is
 * the only thread that changes this supervisor's children. That single-writer rule is what makes
 * strategies safe without locks: an exit notification can never interleave with a restart in progress,
 * it waits in the mailbox and is then recognised as stale by its generation.
 *
 * <p>{@code children} is a {@link CopyOnWriteArrayList} only so that status and id lookups from other
 * threads see a consistent list; it is written on the actor thread alone.
 */
public final class SupervisorActor implements Supervisor {
    private static final Logger LOG = LoggerFactory.getLogger(SupervisorActor.class);

    private sealed interface Message {}

    /** Incarnation {@code generation} of {@code child} ended. */
    private record Exited(Child child, long generation, ExitStatus status) implements Message {}

    /** Run {@code action} on the actor; fail {@code reply} if the actor is gone first. */
    private record Call(Runnable action, CompletableFuture<?> reply) implements Message {}

    /** A dynamic child finished starting ({@code running}) or failed ({@code error}). */
    private record Adopt(ProcessNode node, RunningProcess running, Throwable error, CompletableFuture<ProcessChild> reply) implements Message {}

    /** Try again to restart {@code child}, whose restart failed (OTP's try_again_restart). */
    private record RetryRestart(Child child, String cause) implements Message {}

    /** A backoff delay for incarnation {@code generation} of {@code child} is over: restart it now. */
    private record DelayedRestart(Child child, long generation, String cause) implements Message {}

    private final SupervisorSpec spec;
    private final SupervisorActor parent;
    private final String path;
    private final Consumer<? super SupervisionEvent> listener;
    private final LinkedBlockingQueue<Message> mailbox = new LinkedBlockingQueue<>();
    private final List<Child> children = new CopyOnWriteArrayList<>();
    private final RestartWindow window;
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private final CompletableFuture<ExitStatus> termination = new CompletableFuture<>();
    private volatile NodeStatus.State state = NodeStatus.State.STARTING;
    private volatile boolean killed;
    private volatile String lastError;
    private volatile boolean alive = true;
    private long dynamicCount;
    /** The last child that failed to start, so a supervisor that gives up while starting can name it. */
    private ChildStartException lastStartFailure;

    SupervisorActor(SupervisorSpec spec, SupervisorActor parent, String path, Consumer<? super SupervisionEvent> listener) {
        this.spec = spec;
        this.parent = parent;
        this.path = path;
        this.listener = listener;
        this.window = new RestartWindow(spec.intensity());
        for (ChildSpec c : spec.children()) children.add(newChild(c, false));
    }

    /** Starts a root supervisor and waits until its children are up. */
    public static Supervisor startRoot(SupervisorSpec spec, Consumer<? super SupervisionEvent> listener) {
        SupervisorActor root = new SupervisorActor(spec, null, spec.id(), listener);
        try {
            root.begin().get();
        } catch (ExecutionException e) {
            throw ProcessNode.startFailure(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            root.kill("start interrupted");
            root.termination.join();
            throw new ChildStartException(spec.id(), "start of " + spec.id() + " interrupted");
        }
        return root;
    }

    /** Starts the actor thread; the future completes when every child is up, or fails when it gave up. */
    CompletableFuture<Void> begin() {
        Threads.startVirtual("pooly-sup-" + path, this::run);
        return started;
    }

    String path() { return path; }

    Consumer<? super SupervisionEvent> listener() { return listener; }

    private Child newChild(ChildSpec c, boolean dynamic) {
        return switch (c) {
            case ProcessSpec p -> new ProcessNode(p, this, dynamic ? spec.template().id() : p.id(), dynamic);
            case SupervisorSpec s -> new SupervisorNode(s, this);
            case ServiceSpec s -> new ServiceNode(s, this);
        };
    }

    // ---- the actor loop -------------------------------------------------------------------------

    private void run() {
        try {
            startAll();
        } catch (GiveUp g) {
            return; // terminate() has failed the start, naming the child that could not start
        }
        state = NodeStatus.State.RUNNING;
        started.complete(null);
        while (alive) {
            Message m;
            try {
                m = mailbox.take();
            } catch (InterruptedException e) {
                continue; // Nobody interrupts an actor on purpose; its children must not be abandoned.
            }
            try {
                handle(m);
            } catch (GiveUp g) {
                // terminated already
            } catch (RuntimeException | Error e) {
                LOG.error("supervisor {} failed handling {}", path, m, e);
                giveUpQuietly("internal error: " + e);
            }
        }
    }

    private void handle(Message m) {
        switch (m) {
            case Exited x -> onExit(x.child(), x.generation(), x.status());
            case Call c -> c.action().run();
            case Adopt a -> adoptDynamic(a.node(), a.running(), a.error(), a.reply());
            case RetryRestart r -> {
                if (children.contains(r.child()) && !r.child().isRunning() && !r.child().heldStopped) restart(r.child(), r.cause());
            }
            case DelayedRestart d -> {
                Child c = d.child();
                // Stale when the child was started, stopped or restarted by request meanwhile (generation moved on).
                if (!children.contains(c) || c.generation != d.generation() || c.heldStopped || c.state != NodeStatus.State.RESTARTING) return;
                c.restartAtNanos = 0;
                restart(c, d.cause());
            }
        }
    }

    /** Thrown on the actor thread once it gave up, to unwind whatever it was doing. */
    private static final class GiveUp extends RuntimeException {
        final String reason;

        GiveUp(String reason) {
            super(reason, null, false, false);
            this.reason = reason;
        }
    }

    private void startAll() {
        for (Child c : children) {
            while (true) {
                try {
                    startOne(c);
                    break;
                } catch (ChildStartException e) {
                    startFailed(c, e);
                    if (!window.admit(System.nanoTime())) {
                        giveUp(window.verdict() + "; last: " + c.id() + " failed to start: " + e.getMessage());
                    }
                    c.restarts++;
                    publish(new SupervisionEvent.Restarting(c.path, c.id(), c.restarts, "failed start"));
                }
            }
        }
    }

    private void startOne(Child c) {
        if (killed) throw new GiveUp("killed");
        c.restartAtNanos = 0;
        c.start(); // lastError stays: the last failure remains visible after a successful restart
        c.startedNanos = System.nanoTime();
        publish(new SupervisionEvent.Started(c.path, c.id(), c.pid()));
    }

    private void startFailed(Child c, ChildStartException e) {
        lastStartFailure = e;
        c.lastError = e.getMessage();
        c.state = NodeStatus.State.FAILED;
        publish(new SupervisionEvent.StartFailed(c.path, c.id(), e.getMessage()));
    }

    private void onExit(Child c, long generation, ExitStatus status) {
        if (!children.contains(c) || generation != c.generation || !alive) return; // stale: stopped or restarted since
        c.generation++;
        String note = c.exitNote;
        c.exitNote = null;
        dev.pooly.supervisor.ExitReason reason = c.exitReason(status);
        if (note != null && (reason == dev.pooly.supervisor.ExitReason.HEALTH || reason == dev.pooly.supervisor.ExitReason.MEMORY)) {
            // Stopped for its health or memory: abnormal whatever status it exited with, so it restarts as after a crash.
            status = new ExitStatus.Crashed(note + " (then " + status + ")");
        }
        publish(new SupervisionEvent.Exited(c.path, c.id(), c.pid(), status, reason));
        if (status.abnormal()) c.lastError = status.toString();
        c.afterExit();
        if (c instanceof ProcessNode p && p.dynamic) {
            children.remove(c);
            return;
        }
        if (c.heldStopped || !c.spec.restart().restartsAfter(status)) {
            c.state = NodeStatus.State.STOPPED;
            return;
        }
        c.state = NodeStatus.State.RESTARTING;
        if (!restartLater(c, status.toString())) restart(c, status.toString());
    }

    /**
     * Backoff: when {@code c}'s last run was short, schedules its restart after the policy's delay and
     * says true; the restart counts toward intensity when it happens. Actor thread.
     */
    private boolean restartLater(Child c, String cause) {
        long now = System.nanoTime();
        java.time.Duration delay = c.nextRestartDelay(now);
        if (delay.isZero()) return false;
        c.restartAtNanos = now + delay.toNanos();
        long gen = c.generation;
        LOG.info("{}: restarting in {} ms (backoff after {} short run(s)) after {}", c.path, delay.toMillis(), c.shortRuns, cause);
        // The timer only posts a message: the restart itself runs on the actor like any other.
        CompletableFuture.delayedExecutor(delay.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS)
                .execute(() -> mailbox.add(new DelayedRestart(c, gen, cause)));
        return true;
    }

    /** Applies the strategy for {@code failed}, counting one restart against the intensity. */
    private void restart(Child failed, String cause) {
        if (killed) return;
        if (!window.admit(System.nanoTime())) {
            giveUp(window.verdict() + "; last: " + failed.id() + " " + cause);
        }
        int at = children.indexOf(failed);
        List<Child> affected = switch (spec.strategy()) {
            case ONE_FOR_ONE, SIMPLE_ONE_FOR_ONE -> List.of(failed);
            case ONE_FOR_ALL -> List.copyOf(children);
            case REST_FOR_ONE -> List.copyOf(children.subList(at, children.size()));
        };
        for (int i = affected.size() - 1; i >= 0; i--) {
            Child c = affected.get(i);
            if (c != failed && c.isRunning()) {
                c.stop();
                ExitStatus stopped = new ExitStatus.Shutdown();
                publish(new SupervisionEvent.Exited(c.path, c.id(), 0, stopped, c.exitReason(stopped)));
            }
        }
        List<Child> toStart = new ArrayList<>();
        for (Child c : affected) {
            if (c.heldStopped) continue;
            if (c != failed && c.spec.restart() == RestartType.TEMPORARY) {
                c.state = NodeStatus.State.STOPPED; // OTP: a temporary child is never restarted, not even for a sibling
                continue;
            }
            c.restarts++;
            c.state = NodeStatus.State.RESTARTING;
            publish(new SupervisionEvent.Restarting(c.path, c.id(), c.restarts,
                    c == failed ? cause : "sibling " + failed.id() + " " + cause));
            toStart.add(c);
        }
        for (Child c : toStart) {
            try {
                startOne(c);
            } catch (ChildStartException e) {
                startFailed(c, e);
                c.state = NodeStatus.State.RESTARTING;
                c.startedNanos = System.nanoTime(); // a failed start is a run of no length: it backs off too
                if (restartLater(c, "failed start: " + e.getMessage())) return;
                // Through the mailbox, so exits and requests that came meanwhile are not starved by a retry loop.
                mailbox.add(new RetryRestart(c, "failed start: " + e.getMessage()));
                return;
            }
        }
    }

    private void giveUp(String reason) {
        giveUpQuietly(reason);
        throw new GiveUp(reason);
    }

    private void giveUpQuietly(String reason) {
        lastError = reason;
        publish(new SupervisionEvent.GaveUp(path, spec.id(), reason));
        stopAll();
        terminate(new ExitStatus.Crashed("gave up: " + reason));
    }

    private void stopAll() {
        if (spec.strategy() == Strategy.SIMPLE_ONE_FOR_ONE) {
            stopAllAtOnce();
            return;
        }
        for (int i = children.size() - 1; i >= 0; i--) {
            Child c = children.get(i);
            if (c.state != NodeStatus.State.STOPPED) {
                long pid = c.pid();
                boolean wasRunning = c.isRunning();
                c.stop();
                ExitStatus stopped = new ExitStatus.Shutdown();
                if (wasRunning) publish(new SupervisionEvent.Exited(c.path, c.id(), pid, stopped, c.exitReason(stopped)));
            }
        }
    }

    /**
     * Dynamic children have no order, and OTP stops them all at once; so do we, each on a virtual
     * thread, so that a pool of a thousand workers stops in one shutdown timeout, not a thousand.
     * The actor waits for all of them; nothing else touches these children meanwhile.
     */
    private void stopAllAtOnce() {
        List<Thread> stops = new ArrayList<>();
        for (Child c : children) {
            if (c.state != NodeStatus.State.STOPPED) stops.add(Threads.startVirtual("pooly-stop-" + c.id(), () -> stopRequested(c)));
        }
        for (Thread t : stops) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void terminate(ExitStatus status) {
        alive = false;
        state = status instanceof ExitStatus.Shutdown ? NodeStatus.State.STOPPED : NodeStatus.State.FAILED;
        if (spec.strategy() == Strategy.SIMPLE_ONE_FOR_ONE) children.clear();
        Message m;
        while ((m = mailbox.poll()) != null) {
            switch (m) {
                case Call c -> c.reply().completeExceptionally(new IllegalStateException("supervisor " + path + " has terminated"));
                case Adopt a -> {
                    // Started just as we terminated: nobody will ever stop it, so kill it now.
                    if (a.running() != null) a.running().kill();
                    a.reply().completeExceptionally(new IllegalStateException("supervisor " + path + " has terminated"));
                }
                default -> { }
            }
        }
        if (!started.isDone()) {
            String child = lastStartFailure == null ? spec.id() : lastStartFailure.childId();
            started.completeExceptionally(new ChildStartException(child, "supervisor " + spec.id() + " " + status, lastStartFailure));
        }
        termination.complete(status);
    }

    // ---- messages from other threads ------------------------------------------------------------

    void childExited(Child child, long generation, ExitStatus status) {
        mailbox.add(new Exited(child, generation, status));
    }

    private <T> CompletableFuture<T> call(CompletableFuture<T> reply, Runnable action) {
        if (!alive) {
            reply.completeExceptionally(new IllegalStateException("supervisor " + path + " has terminated"));
            return reply;
        }
        mailbox.add(new Call(() -> {
            try {
                action.run();
            } catch (GiveUp g) {
                reply.completeExceptionally(new IllegalStateException("supervisor " + path + " gave up: " + g.reason));
                throw g;
            } catch (RuntimeException e) {
                reply.completeExceptionally(e);
            }
        }, reply));
        return reply;
    }

    void publish(SupervisionEvent event) {
        try {
            listener.accept(event);
        } catch (RuntimeException e) {
            LOG.warn("supervision event listener failed on {}", event, e);
        }
    }

    /**
     * Tears this supervisor down at once: SIGKILL to every process below it from the calling thread
     * (the actor may be busy waiting out a graceful stop), then a message that makes it terminate as
     * crashed. Any thread.
     */
    void kill(String reason) {
        if (!alive) return;
        killed = true;
        killProcesses();
        mailbox.add(new Call(() -> {
            if (!alive) return;
            lastError = reason;
            stopAll();
            terminate(new ExitStatus.Crashed(reason));
        }, new CompletableFuture<>()));
    }

    void killProcesses() {
        for (Child c : children) {
            if (c.isRunning()) c.exitIntent = dev.pooly.supervisor.ExitReason.KILLED;
            c.killProcesses();
        }
    }

    // ---- Supervisor -----------------------------------------------------------------------------

    @Override public String id() { return spec.id(); }

    @Override public NodeStatus status() {
        return new NodeStatus(spec.id(), NodeStatus.Type.SUPERVISOR, state, 0, 0, lastError, childStatuses());
    }

    List<NodeStatus> childStatuses() {
        List<NodeStatus> out = new ArrayList<>(children.size());
        for (Child c : children) out.add(c.status());
        return out;
    }

    @Override public Optional<Supervisor> supervisor(String id) {
        if (spec.id().equals(id)) return Optional.of(this);
        for (Child c : children) {
            if (c instanceof SupervisorNode s && s.current() != null) {
                Optional<Supervisor> hit = s.current().supervisor(id);
                if (hit.isPresent()) return hit;
            }
        }
        return Optional.empty();
    }

    Optional<Supervisor> childSupervisor(String id) {
        for (Child c : children) {
            if (c instanceof SupervisorNode s && c.id().equals(id) && s.current() != null) return Optional.of(s.current());
        }
        return Optional.empty();
    }

    /** The actor whose direct child is {@code id}, searching this subtree. */
    private Optional<SupervisorActor> ownerOf(String id) {
        for (Child c : children) if (c.id().equals(id)) return Optional.of(this);
        for (Child c : children) {
            if (c instanceof SupervisorNode s && s.current() != null) {
                Optional<SupervisorActor> hit = s.current().ownerOf(id);
                if (hit.isPresent()) return hit;
            }
        }
        return Optional.empty();
    }

    private Child direct(String id) {
        for (Child c : children) if (c.id().equals(id)) return c;
        throw new UnknownChildException(id, spec.id());
    }

    private CompletableFuture<Void> onOwner(String id, java.util.function.BiConsumer<SupervisorActor, Child> action) {
        CompletableFuture<Void> reply = new CompletableFuture<>();
        Optional<SupervisorActor> owner = ownerOf(id);
        if (owner.isEmpty()) {
            reply.completeExceptionally(new UnknownChildException(id, spec.id()));
            return reply;
        }
        SupervisorActor o = owner.get();
        return o.call(reply, () -> {
            action.accept(o, o.direct(id));
            reply.complete(null);
        });
    }

    @Override public CompletableFuture<ProcessChild> startChild() {
        return startChildWith(java.util.function.UnaryOperator.identity());
    }

    @Override public CompletableFuture<ProcessChild> startChildWith(java.util.function.UnaryOperator<ProcessSpec> customize) {
        if (spec.strategy() != Strategy.SIMPLE_ONE_FOR_ONE || !(spec.template() instanceof ProcessSpec template)) {
            throw new IllegalStateException("supervisor " + path + " is not a simple_one_for_one supervisor of processes");
        }
        CompletableFuture<ProcessChild> reply = new CompletableFuture<>();
        return call(reply, () -> {
            ProcessNode node = (ProcessNode) newChild(customize.apply(template.withId(template.id() + "-" + (++dynamicCount))), true);
            children.add(node);
            // The spawn and the readiness wait happen off the actor, so many workers can start at once.
            node.launch().whenComplete((running, error) -> {
                mailbox.add(new Adopt(node, running, error, reply));
                // terminate() may have drained the mailbox just before that add: then nobody will see it.
                if (!alive) drainAdoptions();
            });
        });
    }

    /** Kills dynamic children that finished starting after this supervisor terminated. Any thread. */
    private void drainAdoptions() {
        for (Message m : mailbox) {
            if (m instanceof Adopt a && mailbox.remove(m)) {
                if (a.running() != null) a.running().kill();
                a.reply().completeExceptionally(new IllegalStateException("supervisor " + path + " has terminated"));
            }
        }
    }

    private void adoptDynamic(ProcessNode node, RunningProcess running, Throwable error, CompletableFuture<ProcessChild> reply) {
        if (error != null) {
            children.remove(node);
            ChildStartException e = ProcessNode.startFailure(error);
            node.lastError = e.getMessage();
            publish(new SupervisionEvent.StartFailed(node.path, node.id(), e.getMessage()));
            reply.completeExceptionally(e);
        } else if (!children.contains(node) || killed) {
            running.kill();
            reply.completeExceptionally(new ChildStartException(node.id(), node.id() + " was stopped while starting"));
        } else {
            node.adopt(running);
            publish(new SupervisionEvent.Started(node.path, node.id(), running.pid()));
            reply.complete(running);
        }
    }

    @Override public CompletableFuture<Void> startChild(String id) {
        return onOwner(id, (o, c) -> {
            c.heldStopped = false;
            if (!c.isRunning()) o.startRequested(c);
        });
    }

    @Override public CompletableFuture<Void> stopChild(String id) {
        Optional<SupervisorActor> owner = ownerOf(id);
        if (owner.isEmpty()) return CompletableFuture.failedFuture(new UnknownChildException(id, spec.id()));
        SupervisorActor o = owner.get();
        CompletableFuture<Void> reply = new CompletableFuture<>();
        return o.call(reply, () -> {
            Child c = o.direct(id);
            c.heldStopped = true;
            if (c instanceof ProcessNode p && p.dynamic) {
                // Off the actor, as OTP's simple_one_for_one does: a pool dismissing many workers must not
                // wait out each graceful stop in turn. Removed first, so no exit message reaches it any more.
                o.children.remove(c);
                Threads.startVirtual("pooly-stop-" + id, () -> {
                    try {
                        o.stopRequested(c);
                        reply.complete(null);
                    } catch (RuntimeException e) {
                        reply.completeExceptionally(e);
                    }
                });
            } else {
                o.stopRequested(c);
                reply.complete(null);
            }
        });
    }

    @Override public CompletableFuture<Void> restartChild(String id) {
        return onOwner(id, (o, c) -> {
            c.heldStopped = false;
            o.stopRequested(c);
            o.startRequested(c);
        });
    }

    /** A start asked for by a caller: a failure is reported like any other and not retried. */
    private void startRequested(Child c) {
        try {
            startOne(c);
        } catch (ChildStartException e) {
            startFailed(c, e);
            throw e;
        }
    }

    private void stopRequested(Child c) {
        if (c.state == NodeStatus.State.STOPPED) return;
        long pid = c.pid();
        c.stop();
        ExitStatus stopped = new ExitStatus.Shutdown();
        publish(new SupervisionEvent.Exited(c.path, c.id(), pid, stopped, c.exitReason(stopped)));
    }

    @Override public CompletableFuture<Void> killChild(String id) {
        if (!alive) return CompletableFuture.failedFuture(new IllegalStateException("supervisor " + path + " has terminated"));
        if (spec.id().equals(id)) {
            kill("killed on request");
            return termination.thenApply(status -> null);
        }
        Optional<SupervisorActor> owner = ownerOf(id);
        if (owner.isEmpty()) return CompletableFuture.failedFuture(new UnknownChildException(id, spec.id()));
        // Not through the owner's mailbox: a kill must land even while the owner is busy.
        Child c = owner.get().direct(id);
        c.exitIntent = dev.pooly.supervisor.ExitReason.KILLED;
        return c.kill();
    }

    @Override public CompletableFuture<Void> shutdown() {
        CompletableFuture<Void> reply = new CompletableFuture<>();
        if (!alive) {
            return termination.thenApply(s -> null);
        }
        mailbox.add(new Call(() -> {
            if (alive) {
                stopAll();
                terminate(new ExitStatus.Shutdown());
            }
            reply.complete(null);
        }, reply));
        return reply.exceptionallyCompose(e -> termination.thenApply(s -> null));
    }

    @Override public CompletableFuture<ExitStatus> termination() { return termination; }

    @Override public String toString() { return "supervisor " + path; }
}
