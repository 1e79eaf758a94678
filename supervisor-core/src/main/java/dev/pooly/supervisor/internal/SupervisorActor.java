package dev.pooly.supervisor.internal;

import dev.pooly.supervisor.ChildSpec;
import dev.pooly.supervisor.ChildStartException;
import dev.pooly.supervisor.ExitStatus;
import dev.pooly.supervisor.Intensity;
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
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * A supervisor as an actor: one virtual thread takes messages from the mailbox one at a time and is
 * the only thread that changes this supervisor's children. That single-writer rule is what makes
 * strategies safe without locks: an exit notification can never interleave with a restart in progress,
 * it waits in the mailbox and is then recognised as stale by its generation.
 *
 * <p>Children: the static ones ({@code statics}) are in start order; a reload adds, replaces and
 * removes them ({@link #addChild}, {@link #replaceChild}, {@link #removeChild}), always on the actor
 * thread, which publishes a new immutable list each time, so readers on other threads never see one
 * half-changed. {@link #spec} follows every such change, so a nested supervisor restarted by its parent
 * comes back as the reload left it, not as the file first said. Dynamic
 * children (a {@code simple_one_for_one} supervisor's, a pool's workers) are kept as OTP keeps them,
 * in a map, here by their sequence number: adding or removing one costs O(log n), so filling a pool of
 * thousands is not quadratic. Both are written on the actor thread alone; the map is concurrent only
 * so that status and id lookups from other threads may read it.
 *
 * <p>States: STARTING -> RUNNING -> STOPPED | FAILED. The mailbox closes in the same step as the actor
 * leaves RUNNING ({@link #terminate}): a request sent after that fails at once instead of waiting for
 * an answer that will never come.
 */
public final class SupervisorActor implements Supervisor {
    private static final Logger LOG = LoggerFactory.getLogger(SupervisorActor.class);

    private sealed interface Message {}

    /** Incarnation {@code generation} of {@code child} ended. */
    private record Exited(Child child, long generation, ExitStatus status) implements Message {}

    /**
     * A request from another thread, named as OTP names them. Each carries the future that answers
     * it; if the actor is gone first, that future fails with "has terminated".
     */
    private sealed interface Request extends Message {
        CompletableFuture<?> reply();
    }

    /** {@code start_child} of a {@code simple_one_for_one} supervisor: a new dynamic child from the template. */
    private record StartDynamic(ProcessSpec template, java.util.function.UnaryOperator<ProcessSpec> customize,
                                CompletableFuture<ProcessChild> reply) implements Request {}

    /** {@code restart_child} of a stopped child (our startChild(id)), addressed to its owner. */
    private record StartChild(String id, CompletableFuture<Void> reply) implements Request {}

    /** {@code terminate_child}. */
    private record TerminateChild(String id, CompletableFuture<Void> reply) implements Request {}

    /** Stop then start: not counted against the intensity. */
    private record RestartChild(String id, CompletableFuture<Void> reply) implements Request {}

    /** Stop every child in reverse start order, then terminate normally. */
    private record ShutdownRequest(CompletableFuture<Void> reply) implements Request {}

    /** Terminate as crashed, now (the processes were already SIGKILLed by the sender). */
    private record KillRequest(String reason, CompletableFuture<Void> reply) implements Request {}

    /** A dynamic child finished starting ({@code running}) or failed ({@code error}). */
    private record Adopt(ProcessNode node, RunningProcess running, Throwable error, CompletableFuture<ProcessChild> reply) implements Message {}

    /** A reload's new child: started after sibling {@code after} (null: first). */
    private record AddChild(ChildSpec child, String after, CompletableFuture<Void> reply) implements Request {}

    /** A reload's changed child: the old one stops, the new one starts in its place. */
    private record ReplaceChild(ChildSpec child, CompletableFuture<Void> reply) implements Request {}

    /** A reload's removed child: it stops and its slot is gone. */
    private record RemoveChild(String id, CompletableFuture<Void> reply) implements Request {}

    /** A reload's new strategy and intensity, in place: no child is touched. */
    private record UpdateSettings(Strategy strategy, Intensity intensity, CompletableFuture<Void> reply) implements Request {}

    /** A liveness probe: answered as soon as the actor takes it from its mailbox. */
    private record Ping(CompletableFuture<Void> reply) implements Request {}

    /** Try again to restart {@code child}, whose restart failed (OTP's try_again_restart). */
    private record RetryRestart(Child child, String cause) implements Message {}

    /** A backoff delay for incarnation {@code generation} of {@code child} is over: restart it now. */
    private record DelayedRestart(Child child, long generation, String cause) implements Message {}

    /** The current spec: changed only on the actor thread (reload requests), read anywhere. */
    private volatile SupervisorSpec spec;
    private final SupervisorActor parent;
    private final String path;
    private final Consumer<? super SupervisionEvent> listener;
    private final Mailbox<Message> mailbox = new Mailbox<>();
    /** Static children in start order; fixed at construction. */
    private volatile List<Child> statics;
    /** Dynamic children by sequence number (see the class comment). */
    private final ConcurrentSkipListMap<Long, ProcessNode> dynamics = new ConcurrentSkipListMap<>();
    /**
     * Stops of dynamic children still running off the actor (terminate_child): removed from
     * {@code dynamics} already, but a shutdown must still wait for them, or it would return while
     * they run. Concurrent: the stopping threads remove their own entry.
     */
    private final java.util.Set<CompletableFuture<Void>> stopsInFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Replaced (with a fresh history) when a reload changes the intensity; actor thread only. */
    private RestartWindow window;
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
        List<Child> list = new ArrayList<>();
        for (ChildSpec c : spec.children()) list.add(newChild(c, false, 0));
        this.statics = List.copyOf(list);
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

    private Child newChild(ChildSpec c, boolean dynamic, long seq) {
        return switch (c) {
            case ProcessSpec p -> new ProcessNode(p, this, dynamic ? spec.template().id() : p.id(), dynamic, seq);
            case SupervisorSpec s -> new SupervisorNode(s, this);
            case ServiceSpec s -> new ServiceNode(s, this);
        };
    }

    // ---- the actor loop -------------------------------------------------------------------------

    private void run() {
        try {
            startAll();
        } catch (GiveUp g) {
            // terminate() has failed the start, naming the child that could not start; or a kill came
            // while starting, which only the actor itself can turn into a termination.
            if (alive) {
                lastError = g.reason;
                stopAll();
                terminate(new ExitStatus.Crashed(g.reason));
            }
            return;
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
            case Request r -> answer(r);
            case Adopt a -> adoptDynamic(a.node(), a.running(), a.error(), a.reply());
            case RetryRestart r -> {
                if (isChild(r.child()) && !r.child().isRunning() && !r.child().heldStopped) restart(r.child(), r.cause());
            }
            case DelayedRestart d -> {
                Child c = d.child();
                // Stale when the child was started, stopped or restarted by request meanwhile (generation moved on).
                if (!isChild(c) || c.generation != d.generation() || c.heldStopped || c.state != NodeStatus.State.RESTARTING) return;
                c.restartAtNanos = 0;
                restart(c, d.cause());
            }
        }
    }

    /** Carries out one request on the actor thread; its future answers it (some complete later, off the actor). */
    private void answer(Request r) {
        try {
            switch (r) {
                case StartDynamic s -> startDynamic(s.template(), s.customize(), s.reply());
                case StartChild s -> {
                    Child c = direct(s.id());
                    c.heldStopped = false;
                    if (!c.isRunning()) startRequested(c);
                    s.reply().complete(null);
                }
                case TerminateChild t -> terminateChild(direct(t.id()), t.reply());
                case RestartChild x -> {
                    Child c = direct(x.id());
                    c.heldStopped = false;
                    stopRequested(c);
                    startRequested(c);
                    x.reply().complete(null);
                }
                case ShutdownRequest x -> {
                    stopAll();
                    terminate(new ExitStatus.Shutdown());
                    x.reply().complete(null);
                }
                case AddChild a -> {
                    addStatic(a.child(), a.after());
                    a.reply().complete(null);
                }
                case ReplaceChild x -> {
                    replaceStatic(x.child());
                    x.reply().complete(null);
                }
                case RemoveChild x -> {
                    removeStatic(direct(x.id()));
                    x.reply().complete(null);
                }
                case UpdateSettings u -> {
                    if (spec.strategy() == Strategy.SIMPLE_ONE_FOR_ONE || u.strategy() == Strategy.SIMPLE_ONE_FOR_ONE) {
                        throw new IllegalStateException("supervisor " + path + ": a reload cannot change simple_one_for_one");
                    }
                    if (!u.intensity().equals(spec.intensity())) window = new RestartWindow(u.intensity());
                    spec = new SupervisorSpec(spec.id(), u.strategy(), u.intensity(), spec.children(), null, spec.restart(), spec.shutdown());
                    u.reply().complete(null);
                }
                case Ping p -> p.reply().complete(null);
                case KillRequest k -> {
                    lastError = k.reason();
                    stopAll();
                    terminate(new ExitStatus.Crashed(k.reason()));
                    k.reply().complete(null);
                }
            }
        } catch (GiveUp g) {
            r.reply().completeExceptionally(new IllegalStateException("supervisor " + path + " gave up: " + g.reason));
            throw g;
        } catch (RuntimeException e) {
            r.reply().completeExceptionally(e);
        }
    }

    // ---- reload: static children added, replaced, removed (actor thread) ----------------------------

    private void addStatic(ChildSpec child, String after) {
        if (spec.strategy() == Strategy.SIMPLE_ONE_FOR_ONE) {
            throw new IllegalStateException("supervisor " + path + " is simple_one_for_one: it has no static children to add to");
        }
        if (find(child.id()) != null) throw new IllegalArgumentException("supervisor " + path + " already has a child " + child.id());
        List<Child> next = new ArrayList<>(statics);
        int at = 0;
        if (after != null) {
            Child previous = direct(after);
            at = next.indexOf(previous) + 1;
        }
        Child c = newChild(child, false, 0);
        next.add(at, c);
        publishStatics(next);
        startRequested(c);
    }

    private void replaceStatic(ChildSpec child) {
        Child old = direct(child.id());
        if (old instanceof ProcessNode p && p.dynamic) throw new IllegalArgumentException(child.id() + " is a dynamic child; it cannot be replaced");
        stopRequested(old);
        List<Child> next = new ArrayList<>(statics);
        Child c = newChild(child, false, 0);
        c.restarts = old.restarts;
        next.set(next.indexOf(old), c);
        publishStatics(next);
        startRequested(c);
    }

    private void removeStatic(Child c) {
        if (c instanceof ProcessNode p && p.dynamic) throw new IllegalArgumentException(c.id() + " is a dynamic child; stop it instead");
        c.heldStopped = true;
        stopRequested(c);
        List<Child> next = new ArrayList<>(statics);
        next.remove(c);
        publishStatics(next);
    }

    /** Publishes a new static list and the spec that describes it (see the class comment). */
    private void publishStatics(List<Child> next) {
        statics = List.copyOf(next);
        List<ChildSpec> specs = new ArrayList<>(next.size());
        for (Child c : next) specs.add(c instanceof SupervisorNode n && n.current() != null ? n.current().spec : c.spec);
        spec = new SupervisorSpec(spec.id(), spec.strategy(), spec.intensity(), specs, spec.template(), spec.restart(), spec.shutdown());
    }

    /** The spec as it stands now, with every reload applied; what a restart of this supervisor starts from. */
    SupervisorSpec currentSpec() {
        List<ChildSpec> specs = new ArrayList<>();
        for (Child c : statics) specs.add(c instanceof SupervisorNode n && n.current() != null ? n.current().currentSpec() : c.spec);
        SupervisorSpec s = spec;
        return new SupervisorSpec(s.id(), s.strategy(), s.intensity(), specs, s.template(), s.restart(), s.shutdown());
    }

    /** Whether {@code c} is (still) a child here: a removed dynamic child's messages are stale. */
    private boolean isChild(Child c) {
        if (c instanceof ProcessNode p && p.dynamic) return dynamics.get(p.seq) == p;
        return statics.contains(c);
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
        for (Child c : statics) {
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
        c.ended = false;
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
        if (!isChild(c) || generation != c.generation || !alive) return; // stale: stopped or restarted since
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
            dynamics.remove(p.seq, p);
            return;
        }
        if (c.heldStopped || !c.spec.restart().restartsAfter(status)) {
            c.ended = true;
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
                .execute(() -> mailbox.offer(new DelayedRestart(c, gen, cause))); // refused once terminated
        return true;
    }

    /** Applies the strategy for {@code failed}, counting one restart against the intensity. */
    private void restart(Child failed, String cause) {
        if (killed) return;
        if (!window.admit(System.nanoTime())) {
            giveUp(window.verdict() + "; last: " + failed.id() + " " + cause);
        }
        List<Child> affected = switch (spec.strategy()) {
            case ONE_FOR_ONE, SIMPLE_ONE_FOR_ONE -> List.of(failed);
            case ONE_FOR_ALL -> statics;
            case REST_FOR_ONE -> statics.subList(statics.indexOf(failed), statics.size());
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
                c.ended = true;
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
                mailbox.offer(new RetryRestart(c, "failed start: " + e.getMessage()));
                return;
            }
        }
    }

    private void giveUp(String reason) {
        giveUpQuietly(reason);
        throw new GiveUp(reason);
    }

    private void giveUpQuietly(String reason) {
        if (!alive) return; // already terminated (an error after the end): nothing left to give up
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
        for (int i = statics.size() - 1; i >= 0; i--) {
            Child c = statics.get(i);
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
        for (Child c : dynamics.values()) {
            if (c.state != NodeStatus.State.STOPPED) stops.add(Threads.startVirtual("pooly-stop-" + c.id(), () -> stopRequested(c)));
        }
        for (Thread t : stops) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // Children dismissed just before (terminate_child) are still stopping: wait for them too.
        for (CompletableFuture<Void> f : List.copyOf(stopsInFlight)) f.join();
    }

    /** RUNNING (or STARTING) -> STOPPED | FAILED, once; closes the mailbox in the same step. Actor thread. */
    private void terminate(ExitStatus status) {
        if (!alive) throw new IllegalStateException("supervisor " + path + " terminated twice (" + status + ")");
        alive = false;
        state = status instanceof ExitStatus.Shutdown ? NodeStatus.State.STOPPED : NodeStatus.State.FAILED;
        dynamics.clear();
        for (Message m : mailbox.close()) refuse(m);
        Containment.supervisorGone(path);
        if (!started.isDone()) {
            String child = lastStartFailure == null ? spec.id() : lastStartFailure.childId();
            started.completeExceptionally(new ChildStartException(child, "supervisor " + spec.id() + " " + status, lastStartFailure));
        }
        termination.complete(status);
    }

    /** Answers a message nobody will carry out: the mailbox is closed. Any thread. */
    private void refuse(Message m) {
        switch (m) {
            case Request r -> r.reply().completeExceptionally(terminated());
            case Adopt a -> {
                // Started just as we terminated: nobody will ever stop it, so kill it now.
                if (a.running() != null) a.running().kill();
                a.reply().completeExceptionally(terminated());
            }
            case Exited x -> { }
            case RetryRestart x -> { }
            case DelayedRestart x -> { }
        }
    }

    private IllegalStateException terminated() {
        return new IllegalStateException("supervisor " + path + " has terminated");
    }

    // ---- messages from other threads ------------------------------------------------------------

    void childExited(Child child, long generation, ExitStatus status) {
        mailbox.offer(new Exited(child, generation, status)); // refused once terminated: nobody restarts any more
    }

    /** Sends {@code m}, or answers it at once when the actor has terminated. */
    private void send(Message m) {
        if (!mailbox.offer(m)) refuse(m);
    }

    private <T> CompletableFuture<T> request(Request r, CompletableFuture<T> reply) {
        send(r);
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
        send(new KillRequest(reason, new CompletableFuture<>()));
    }

    void killProcesses() {
        // A kill is an operator's (or a teardown's) doing: the exits it causes say so.
        for (Child c : statics) {
            if (c.isRunning()) c.exitIntent = dev.pooly.supervisor.ExitReason.KILLED;
            c.killProcesses();
        }
        for (Child c : dynamics.values()) {
            c.exitIntent = dev.pooly.supervisor.ExitReason.KILLED;
            c.killProcesses();
        }
    }

    // ---- Supervisor -----------------------------------------------------------------------------

    @Override public String id() { return spec.id(); }

    @Override public NodeStatus status() {
        return new NodeStatus(spec.id(), NodeStatus.Type.SUPERVISOR, state, 0, 0, lastError, childStatuses());
    }

    List<NodeStatus> childStatuses() {
        List<NodeStatus> out = new ArrayList<>(statics.size() + dynamics.size());
        for (Child c : statics) out.add(c.status());
        for (Child c : dynamics.values()) out.add(c.status());
        return out;
    }

    @Override public Optional<Supervisor> supervisor(String id) {
        if (spec.id().equals(id)) return Optional.of(this);
        for (Child c : statics) {
            if (c instanceof SupervisorNode s && s.current() != null) {
                Optional<Supervisor> hit = s.current().supervisor(id);
                if (hit.isPresent()) return hit;
            }
        }
        return Optional.empty();
    }

    Optional<Supervisor> childSupervisor(String id) {
        for (Child c : statics) {
            if (c instanceof SupervisorNode s && c.id().equals(id) && s.current() != null) return Optional.of(s.current());
        }
        return Optional.empty();
    }

    /** The actor whose direct child is {@code id}, searching this subtree. */
    private Optional<SupervisorActor> ownerOf(String id) {
        if (find(id) != null) return Optional.of(this);
        for (Child c : statics) {
            if (c instanceof SupervisorNode s && s.current() != null) {
                Optional<SupervisorActor> hit = s.current().ownerOf(id);
                if (hit.isPresent()) return hit;
            }
        }
        return Optional.empty();
    }

    /** The direct child {@code id}, or null: O(statics) + O(log dynamics). Any thread. */
    private Child find(String id) {
        for (Child c : statics) if (c.id().equals(id)) return c;
        if (spec.template() != null && id.startsWith(spec.template().id() + "-")) {
            try {
                ProcessNode p = dynamics.get(Long.parseLong(id.substring(spec.template().id().length() + 1)));
                if (p != null && p.id().equals(id)) return p;
            } catch (NumberFormatException e) {
                return null; // not a name this supervisor gives its dynamic children
            }
        }
        return null;
    }

    private Child direct(String id) {
        Child c = find(id);
        if (c == null) throw new UnknownChildException(id, spec.id());
        return c;
    }

    /** Sends {@code make(reply)} to the supervisor in this subtree whose direct child is {@code id}. */
    private CompletableFuture<Void> toOwner(String id, java.util.function.Function<CompletableFuture<Void>, Request> make) {
        Optional<SupervisorActor> owner = ownerOf(id);
        if (owner.isEmpty()) return CompletableFuture.failedFuture(new UnknownChildException(id, spec.id()));
        CompletableFuture<Void> reply = new CompletableFuture<>();
        return owner.get().request(make.apply(reply), reply);
    }

    @Override public CompletableFuture<ProcessChild> startChild() {
        return startChildWith(java.util.function.UnaryOperator.identity());
    }

    @Override public CompletableFuture<ProcessChild> startChildWith(java.util.function.UnaryOperator<ProcessSpec> customize) {
        if (spec.strategy() != Strategy.SIMPLE_ONE_FOR_ONE || !(spec.template() instanceof ProcessSpec template)) {
            throw new IllegalStateException("supervisor " + path + " is not a simple_one_for_one supervisor of processes");
        }
        CompletableFuture<ProcessChild> reply = new CompletableFuture<>();
        return request(new StartDynamic(template, customize, reply), reply);
    }

    @Override public CompletableFuture<ProcessChild> startChildWith(ProcessSpec template,
                                                                     java.util.function.UnaryOperator<ProcessSpec> customize) {
        if (spec.strategy() != Strategy.SIMPLE_ONE_FOR_ONE || !(spec.template() instanceof ProcessSpec own)) {
            throw new IllegalStateException("supervisor " + path + " is not a simple_one_for_one supervisor of processes");
        }
        if (!own.id().equals(template.id())) {
            throw new IllegalArgumentException("supervisor " + path + ": its dynamic children are named " + own.id() + "-N, not " + template.id());
        }
        CompletableFuture<ProcessChild> reply = new CompletableFuture<>();
        return request(new StartDynamic(template, customize, reply), reply);
    }

    private void startDynamic(ProcessSpec template, java.util.function.UnaryOperator<ProcessSpec> customize,
                              CompletableFuture<ProcessChild> reply) {
        long seq = ++dynamicCount;
        ProcessNode node = (ProcessNode) newChild(customize.apply(template.withId(template.id() + "-" + seq)), true, seq);
        dynamics.put(seq, node);
        // The spawn and the readiness wait happen off the actor, so many workers can start at once.
        // If the actor terminated meanwhile, send() refuses the Adopt, which kills the new process.
        node.launch().whenComplete((running, error) -> send(new Adopt(node, running, error, reply)));
    }

    private void adoptDynamic(ProcessNode node, RunningProcess running, Throwable error, CompletableFuture<ProcessChild> reply) {
        if (error != null) {
            dynamics.remove(node.seq, node);
            ChildStartException e = ProcessNode.startFailure(error);
            node.lastError = e.getMessage();
            publish(new SupervisionEvent.StartFailed(node.path, node.id(), e.getMessage()));
            reply.completeExceptionally(e);
        } else if (!isChild(node) || killed) {
            running.kill();
            reply.completeExceptionally(new ChildStartException(node.id(), node.id() + " was stopped while starting"));
        } else {
            node.adopt(running);
            publish(new SupervisionEvent.Started(node.path, node.id(), running.pid()));
            reply.complete(running);
        }
    }

    @Override public CompletableFuture<Void> startChild(String id) {
        return toOwner(id, reply -> new StartChild(id, reply));
    }

    @Override public CompletableFuture<Void> stopChild(String id) {
        return toOwner(id, reply -> new TerminateChild(id, reply));
    }

    private void terminateChild(Child c, CompletableFuture<Void> reply) {
        c.heldStopped = true;
        if (c instanceof ProcessNode p && p.dynamic) {
            // Off the actor, as OTP's simple_one_for_one does: a pool dismissing many workers must not
            // wait out each graceful stop in turn. Removed first, so no exit message reaches it any more.
            dynamics.remove(p.seq, p);
            CompletableFuture<Void> done = new CompletableFuture<>();
            stopsInFlight.add(done);
            Threads.startVirtual("pooly-stop-" + c.id(), () -> {
                try {
                    stopRequested(c);
                    reply.complete(null);
                } catch (RuntimeException e) {
                    reply.completeExceptionally(e);
                } finally {
                    stopsInFlight.remove(done);
                    done.complete(null);
                }
            });
        } else {
            stopRequested(c);
            reply.complete(null);
        }
    }

    @Override public CompletableFuture<Void> restartChild(String id) {
        return toOwner(id, reply -> new RestartChild(id, reply));
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
        // Idempotent: when it has terminated already (or meanwhile), the answer is its termination.
        return request(new ShutdownRequest(reply), reply).exceptionallyCompose(e -> termination.thenApply(s -> null));
    }

    @Override public CompletableFuture<Void> addChild(ChildSpec child, String after) {
        CompletableFuture<Void> reply = new CompletableFuture<>();
        return request(new AddChild(child, after, reply), reply);
    }

    @Override public CompletableFuture<Void> replaceChild(ChildSpec child) {
        return toOwner(child.id(), reply -> new ReplaceChild(child, reply));
    }

    @Override public CompletableFuture<Void> removeChild(String id) {
        return toOwner(id, reply -> new RemoveChild(id, reply));
    }

    @Override public CompletableFuture<Void> updateSettings(Strategy strategy, Intensity intensity) {
        CompletableFuture<Void> reply = new CompletableFuture<>();
        return request(new UpdateSettings(strategy, intensity, reply), reply);
    }

    @Override public CompletableFuture<Void> ping() {
        CompletableFuture<Void> reply = new CompletableFuture<>();
        return request(new Ping(reply), reply);
    }

    @Override public CompletableFuture<ExitStatus> termination() { return termination; }

    @Override public String toString() { return "supervisor " + path; }
}
