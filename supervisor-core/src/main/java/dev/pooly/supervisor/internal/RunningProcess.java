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
    private final Process process;
    private final ProcessHandle handle;
    private final CompletableFuture<ExitStatus> exit;
    private final StderrTail stderr;

    RunningProcess(String id, Process process, StderrTail stderr) {
        this.id = id;
        this.process = process;
        this.handle = process.toHandle();
        this.stderr = stderr;
        this.exit = process.onExit().thenApply(p -> ExitStatus.ofExitValue(p.exitValue()));
        // However it ended (a crash, a stop, a failed start): kill what it left in its group, then
        // have the guardian forget the group, so its number is never killed after being reused.
        long pid = handle.pid();
        exit.thenRun(() -> ProcessTree.sweepLater(pid));
    }

    @Override public String id() { return id; }
    @Override public long pid() { return handle.pid(); }
    @Override public OutputStream stdin() { return process.getOutputStream(); }
    @Override public InputStream stdout() { return process.getInputStream(); }
    @Override public CompletableFuture<ExitStatus> exit() { return exit; }
    @Override public boolean isAlive() { return process.isAlive(); }
    @Override public void kill() { ProcessTree.kill(handle); }

    @Override public ProcessHandle handle() { return handle; }

    /** The last bytes the process wrote to stderr, after giving its pump up to {@code drain} to read what is left. */
    String stderrTail(java.time.Duration drain) { return stderr == null ? "" : stderr.drained(drain); }

    /**
     * Stops the process and its tree as {@code shutdown} says; returns once it has exited.
     * {@code thorough}: also find descendants that left its process group (see {@link ProcessTree#stop}).
     */
    public void stop(Shutdown shutdown, boolean thorough) {
        switch (shutdown) {
            case Shutdown.BrutalKill b -> ProcessTree.brutalKill(handle);
            case Shutdown.Graceful g -> ProcessTree.stop(handle, g.timeout(), thorough);
            case Shutdown.Infinity i -> ProcessTree.stop(handle, null, thorough);
        }
    }

    @Override public String toString() { return id + " (pid " + pid() + ")"; }
}
