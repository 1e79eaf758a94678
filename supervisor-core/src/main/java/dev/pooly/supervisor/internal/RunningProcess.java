package dev.pooly.supervisor.internal;

import dev.pooly.supervisor.ExitStatus;
import dev.pooly.supervisor.ProcessChild;
import dev.pooly.supervisor.Shutdown;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

/**
 * One incarnation of a supervised OS process. Thread-safe: all fields are final; stopping and
 * killing only send signals and wait on the exit future.
 */
public final class RunningProcess implements ProcessChild {
    private final String id;
    private final ProcessHandle handle;
    private final OutputStream stdin;
    private final InputStream stdout;
    private final CompletableFuture<ExitStatus> exit;
    private final StderrTail stderr;
    /** Its cgroup, or null where cgroups are not in force ({@link Containment}). */
    private final Containment.Group cgroup;
    /** Set once a stop began; the exit hook then leaves the cgroup to the stop. */
    private volatile boolean stopping;
    /**
     * Set by the exit watch the moment it sees the exit, before the exit's clean-up (cgroup kill,
     * group sweep) and before {@link #exit} completes. {@link #isAlive} reads it alone: a pool asks on
     * every checkout and checkin, and a /proc read there cost more than the rest of the lease cycle.
     * Volatile, written once, so the race between the watch and a pool's lend on another thread has
     * one outcome only: a checkout that comes after the watch saw the exit never lends the worker.
     */
    private volatile boolean exited;

    RunningProcess(String id, Spawned spawned, StderrTail stderr, Containment.Group cgroup) {
        this.id = id;
        this.handle = spawned.handle();
        this.stdin = spawned.stdin();
        this.stdout = spawned.stdout();
        this.stderr = stderr;
        this.cgroup = cgroup;
        // However it ended (a crash, a stop, a failed start): kill what it left in its group and its
        // cgroup, then have the guardian forget the group, so its number is never killed after being
        // reused. Done before the exit is published, so that whoever sees the exit sees no leftovers
        // in the cgroup (the process group sweep is batched and follows shortly).
        long pid = handle.pid();
        this.exit = spawned.exit().thenApply(status -> {
            exited = true;
            // A stop drains its tree gracefully first and ends with the cgroup kill itself.
            if (cgroup != null && !stopping) cgroup.killAndRemove();
            ProcessTree.sweepLater(pid);
            return status;
        });
    }

    @Override public String id() { return id; }
    @Override public long pid() { return handle.pid(); }
    @Override public OutputStream stdin() { return stdin; }
    @Override public InputStream stdout() { return stdout; }
    @Override public CompletableFuture<ExitStatus> exit() { return exit; }
    /** As far as the exit watch knows: a volatile read, no system call (see {@link ProcessChild#isAlive}). */
    @Override public boolean isAlive() { return !exited; }

    /**
     * Whether the process runs, asked of the OS now: the exit watch's word, then a /proc read
     * ({@link ProcessHandle#isAlive}, which counts a zombie as alive). For starts and stops, which
     * must see an exit the watch has not reported yet; not for every lease.
     */
    boolean runningNow() { return isAlive() && handle.isAlive(); }

    @Override public void kill() {
        if (exit.isDone()) return; // reaped: its pid may be someone else's by now
        if (cgroup != null) cgroup.kill();
        ProcessTree.kill(handle);
    }

    @Override public ProcessHandle handle() { return handle; }

    Containment.Group cgroup() { return cgroup; }

    /** The last bytes the process wrote to stderr, after giving its pump up to {@code drain} to read what is left. */
    String stderrTail(java.time.Duration drain) { return stderr == null ? "" : stderr.drained(drain); }

    /**
     * Stops the process and its tree as {@code shutdown} says; returns once it has exited.
     * {@code thorough}: also find descendants that left its process group (see {@link ProcessTree#stop}).
     */
    public void stop(Shutdown shutdown, boolean thorough) {
        stopping = true;
        switch (shutdown) {
            case Shutdown.BrutalKill b -> {
                if (cgroup != null) cgroup.kill();
                ProcessTree.brutalKill(handle);
            }
            // Without a cgroup, session tracking: every stop looks for descendants that left the group.
            case Shutdown.Graceful g -> ProcessTree.stop(handle, g.timeout(), thorough || cgroup == null);
            case Shutdown.Infinity i -> ProcessTree.stop(handle, null, thorough || cgroup == null);
        }
        // Whatever is left in its cgroup (a setsid() or double-forked descendant) ends here.
        if (cgroup != null) cgroup.killAndRemove();
        // Returns once it is reaped too (the exit future completes after the reap), not only seen dead.
        awaitExit();
    }

    /** Waits until the process has exited and been reaped (and its exit clean-up done). */
    void awaitExit() {
        boolean interrupted = false;
        while (true) {
            try {
                exit.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (java.util.concurrent.ExecutionException e) {
                break;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    @Override public String toString() { return id + " (pid " + pid() + ")"; }
}
