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
    /** Stopped on request (stopChild): strategies leave it stopped until started again. Read by status(). */
    volatile boolean heldStopped;
    /** Ended, and its restart type does not restart it: stays stopped until started again. Read by status(). */
    volatile boolean ended;

    /** See {@link NodeStatus#settled()}. */
    boolean settled() {
        return heldStopped || ended;
    }
    long generation;
    /** When the current incarnation started (System.nanoTime); actor thread only. */
    long startedNanos;
    /** Short runs in a row, for {@link #backoff()}; actor thread only. */
    int shortRuns;
    /** System.nanoTime at which a backoff delay ends, or 0 when none is pending. Read by status(). */
    volatile long restartAtNanos;
    /** Why the last incarnation ended, or null. Read by status(). */
    volatile dev.pooly.supervisor.ExitReason lastExit;
    /**
     * Why the current incarnation is about to end, set just before Pooly itself ends it (kill, health,
     * memory); taken by the next exit. Any thread.
     */
    volatile dev.pooly.supervisor.ExitReason exitIntent;
    /** What to say about that intended exit in last_error (a health check's output, the memory used), or null. */
    volatile String exitNote;

    /** The reason of an exit with {@code status}, recorded as {@link #lastExit}. Actor thread. */
    dev.pooly.supervisor.ExitReason exitReason(ExitStatus status) {
        dev.pooly.supervisor.ExitReason intent = exitIntent;
        exitIntent = null;
        dev.pooly.supervisor.ExitReason reason = intent != null ? intent : dev.pooly.supervisor.ExitReason.of(status);
        lastExit = reason;
        return reason;
    }

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

    /** How restarts after short runs are delayed; only processes have a backoff. */
    dev.pooly.supervisor.Backoff backoff() { return dev.pooly.supervisor.Backoff.NONE; }

    /**
     * The delay before restarting this child after a run that ended now; moves the short-run streak on.
     * Actor thread only.
     */
    Duration nextRestartDelay(long nowNanos) {
        dev.pooly.supervisor.Backoff b = backoff();
        shortRuns = b.streakAfter(shortRuns, Duration.ofNanos(nowNanos - startedNanos));
        return b.delay(shortRuns, java.util.concurrent.ThreadLocalRandom.current()::nextDouble);
    }

    /** Milliseconds until a pending backoff restart (at least 1), else 0. Any thread. */
    long nextRestartMs() {
        long at = restartAtNanos;
        if (at == 0 || state != NodeStatus.State.RESTARTING) return 0;
        return Math.max(1, java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(at - System.nanoTime()));
    }

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
