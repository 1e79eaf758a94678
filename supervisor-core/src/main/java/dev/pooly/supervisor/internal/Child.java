package dev.pooly.supervisor.internal;

import dev.pooly.supervisor.ChildSpec;
import dev.pooly.supervisor.ExitStatus;
import dev.pooly.supervisor.NodeStatus;
import dev.pooly.supervisor.Shutdown;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One child slot of a {@link SupervisorActor}: its spec and its current incarnation.
 *
 * <p>Thread-safety: {@link #start} and {@link #afterExit} run only on the owning actor's thread;
 * so does {@link #stop}, except for dynamic children, which are stopped on a virtual thread of their
 * own (one per stop, as OTP stops simple_one_for_one children concurrently) after the actor removed
 * them, so that nothing else touches them any more. {@link #kill} and {@link #status} may run on any
 * thread, so what they read is volatile. {@code generation} tells the actor which exit notifications are stale: every start and
 * every requested stop moves it on, and a notification carries the generation it was made for.
 */
abstract sealed class Child permits ProcessNode, SupervisorNode, ServiceNode {
    final ChildSpec spec;
    final SupervisorActor owner;
    final String path;
    volatile NodeStatus.State state = NodeStatus.State.STOPPED;
    volatile int restarts;
    volatile String lastError;
    /** Stopped on request (stopChild): strategies leave it stopped until started again. */
    boolean heldStopped;
    long generation;

    Child(ChildSpec spec, SupervisorActor owner) {
        this.spec = spec;
        this.owner = owner;
        this.path = owner.path() + "/" + spec.id();
    }

    String id() { return spec.id(); }

    boolean isRunning() { return state == NodeStatus.State.RUNNING; }

    /** Starts a new incarnation and returns when it is ready. */
    abstract void start();

    /** Stops the current incarnation as its shutdown spec says (no-op when not running). */
    abstract void stop();

    /**
     * Crashes it now; the exit reaches the owner as an abnormal one. Any thread. The future completes
     * once this incarnation is gone (the process exited, the supervisor terminated, the service stopped).
     */
    abstract CompletableFuture<Void> kill();

    /** SIGKILL to every OS process at or below this child, now. Any thread. */
    abstract void killProcesses();

    /** Cleans up after an exit nobody asked for (leftover grandchildren, a crashed service's resources). */
    abstract void afterExit();

    /** Pid of the current process, or 0. */
    long pid() { return 0; }

    abstract NodeStatus status();

    /** Tells the owner that incarnation {@code generation} ended with {@code status}. */
    void notifyExit(long generation, ExitStatus status) {
        owner.childExited(this, generation, status);
    }

    static Duration timeoutOf(Shutdown shutdown) {
        return switch (shutdown) {
            case Shutdown.BrutalKill b -> Duration.ZERO;
            case Shutdown.Graceful g -> g.timeout();
            case Shutdown.Infinity i -> null;
        };
    }
}
