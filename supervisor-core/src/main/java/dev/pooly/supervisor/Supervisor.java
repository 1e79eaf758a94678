package dev.pooly.supervisor;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A running supervisor. Requests are messages to its actor (see the package docs) and complete
 * their futures once carried out; they never block the caller.
 *
 * <p>The {@code ...Child(String id)} requests act on a node anywhere in this supervisor's subtree
 * and fail with {@link UnknownChildException} for an id that is not there.
 *
 * <p>Thread-safety: safe for use from any thread. After the supervisor has terminated, requests fail
 * with {@link IllegalStateException}. Memory effects: a request other than {@link #killChild} (which
 * acts at once) is queued under the mailbox's lock, so what a thread did before sending it
 * happens-before the supervisor carries it out; what was done for a request happens-before whatever
 * sees its future complete ({@code join}, {@code get}, a dependent stage). A future completes on the
 * supervisor's own thread or on another Pooly or JDK thread (a dynamic child's stop, a process's exit),
 * so a dependent stage added without an executor may run there: keep it quick, and never wait in it
 * for this supervisor.
 */
public interface Supervisor {
    String id();

    /** A snapshot of this supervisor and everything below it; never waits for the actor. */
    NodeStatus status();

    /** The nested supervisor {@code id} in this subtree, or this one. */
    Optional<Supervisor> supervisor(String id);

    /**
     * Starts a new dynamic child from the template of this {@code simple_one_for_one} supervisor.
     * Completes when it is ready, or exceptionally with {@link ChildStartException}. The child is
     * removed when it stops and is not restarted (dynamic process children are meant for pools, which
     * decide replacements themselves); its exit is on {@link ProcessChild#exit()}.
     *
     * @throws IllegalStateException if this is not a {@code simple_one_for_one} supervisor of processes
     */
    CompletableFuture<ProcessChild> startChild();

    /**
     * As {@link #startChild()}, with the template (already carrying the new child's id) adjusted by
     * {@code customize} for this child alone: a pool uses it to give each worker its identity in its
     * environment. {@code customize} runs on the supervisor's thread and must be quick.
     */
    default CompletableFuture<ProcessChild> startChildWith(java.util.function.UnaryOperator<ProcessSpec> customize) {
        throw new UnsupportedOperationException("this supervisor cannot customise its dynamic children");
    }

    /**
     * As {@link #startChild()}, from {@code template} instead of the supervisor's own (same id): a pool
     * rolling its workers onto new settings starts them this way.
     */
    default CompletableFuture<ProcessChild> startChild(ProcessSpec template) {
        return startChildWith(template, java.util.function.UnaryOperator.identity());
    }

    /**
     * As {@link #startChild(ProcessSpec)}, with that template (already carrying the new child's id)
     * adjusted by {@code customize} as in {@link #startChildWith(java.util.function.UnaryOperator)}.
     */
    default CompletableFuture<ProcessChild> startChildWith(ProcessSpec template,
                                                           java.util.function.UnaryOperator<ProcessSpec> customize) {
        throw new UnsupportedOperationException("this supervisor cannot start dynamic children from another template");
    }

    /** Starts a stopped child. */
    CompletableFuture<Void> startChild(String id);

    /** Stops a child (OTP's {@code terminate_child}); it stays stopped until started. Dynamic children are removed. */
    CompletableFuture<Void> stopChild(String id);

    /** Stops and starts a child again; not counted as a restart for intensity. */
    CompletableFuture<Void> restartChild(String id);

    /**
     * Crashes a node as if it died abnormally: a process gets SIGKILL (its group too); a supervisor or
     * service is torn down at once and reported to its parent as crashed, which applies its strategy.
     * Completes once that incarnation is gone (not once it was replaced).
     */
    CompletableFuture<Void> killChild(String id);

    /**
     * Adds a static child to this supervisor (a reload's new child) right after its sibling
     * {@code after} (null: first) and starts it; completes once it runs, or exceptionally with
     * {@link ChildStartException} (the child then stays, failed, as a start on request leaves it).
     *
     * @throws IllegalArgumentException (through the future) if a child with that id is here already
     */
    CompletableFuture<Void> addChild(ChildSpec child, String after);

    /**
     * Replaces the child with {@code child}'s id, anywhere in this subtree, by {@code child}: the old one
     * stops as its shutdown says, the new one starts in the same slot. Not counted as a restart.
     */
    CompletableFuture<Void> replaceChild(ChildSpec child);

    /** Stops the child {@code id}, anywhere in this subtree, and removes its slot (a reload's removed child). */
    CompletableFuture<Void> removeChild(String id);

    /**
     * Changes this supervisor's strategy and intensity in place; no child is stopped or started.
     * A changed intensity starts a fresh restart window.
     */
    CompletableFuture<Void> updateSettings(Strategy strategy, Intensity intensity);

    /**
     * A liveness probe: completes once this supervisor's actor has taken the message from its mailbox,
     * that is, once it has carried out every request sent before (the daemon's systemd watchdog pings
     * only while this answers). Fails with {@link IllegalStateException} once terminated.
     */
    CompletableFuture<Void> ping();

    /** Stops every child in reverse start order, then this supervisor. Idempotent. */
    CompletableFuture<Void> shutdown();

    /**
     * Completes when this supervisor has ended: with {@link ExitStatus.Shutdown} after
     * {@link #shutdown()}, with {@link ExitStatus.Crashed} when it gave up (restart intensity) or was killed.
     */
    CompletableFuture<ExitStatus> termination();
}
