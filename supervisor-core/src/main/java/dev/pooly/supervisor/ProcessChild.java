package dev.pooly.supervisor;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

/**
 * A running, ready OS process with its stdin/stdout kept as a channel ({@link Stdio#CHANNEL}).
 *
 * <p>Thread-safety: the accessors are safe from any thread; the streams are plain JDK pipe streams
 * and must be used by one thread at a time. Once the process died, reads see EOF and writes fail.
 * {@link #exit()} completes on the JDK's process-reaper thread ({@link ProcessHandle#onExit()}): a
 * dependent stage added without an executor may run there, so it must be quick and must not block.
 */
public interface ProcessChild {
    String id();

    long pid();

    /**
     * The process's handle, taken while the process was Pooly's unreaped child (so never a reused
     * pid: the handle also checks the start time): for {@code info()}, {@code descendants()},
     * {@code onExit()}. Destroying it is a crash like any other.
     */
    ProcessHandle handle();

    /** The process's stdin. Closing it sends EOF. */
    OutputStream stdin();

    /** The process's stdout, after the readiness line if there was one. */
    InputStream stdout();

    /** Completes when the process has exited (never exceptionally). */
    CompletableFuture<ExitStatus> exit();

    /**
     * Whether the process still runs as far as its exit watch knows: false from the moment the watch
     * saw the exit, a little before {@link #exit()} completes. No system call, so it is cheap enough
     * for every checkout; a process that died a moment ago reads as alive until the watch reports it
     * (its stdin then fails with EPIPE and its stdout reads EOF). {@link #handle()} asks the OS.
     */
    boolean isAlive();

    /** SIGKILL to the process and its group, now; the exit is abnormal. Returns at once. */
    void kill();
}
