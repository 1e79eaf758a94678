package dev.pooly.pool.internal;

import dev.pooly.supervisor.ExitStatus;

import java.util.concurrent.CompletableFuture;

/**
 * Where a {@link PoolCore} gets its workers: OS processes from a workers supervisor in production,
 * in-JVM objects in the bookkeeping benchmark. Every method returns at once.
 */
public interface WorkerSource<W> {
    /** Starts a worker; completes when it is ready, or exceptionally with a message naming the command. */
    CompletableFuture<W> start();

    /**
     * Starts a worker for slot {@code index} (0..size+max_overflow-1, stable: a replacement gets the slot
     * of the worker it replaces). The default ignores the slot.
     */
    default CompletableFuture<W> start(int index) {
        return start();
    }

    /**
     * Writes {@code request} to the worker and returns its next line (null at end of stream): a health
     * check. Blocks; the pool bounds it by killing the worker. Called without the pool lock, while the
     * worker is held by the checker.
     */
    default String probe(W worker, String request) throws java.io.IOException {
        throw new UnsupportedOperationException("these workers cannot be health-checked");
    }

    /**
     * Bytes of memory the worker's whole process tree uses (RSS), or 0 if unknown. May read /proc:
     * called without the pool lock, about once a second per worker when max_memory is set.
     */
    default long memory(W worker) {
        return 0;
    }

    /** The worker's id as status shows it; by default its pid. */
    default String id(W worker) {
        return String.valueOf(pid(worker));
    }

    /** Completes when {@code worker} is gone, however it went. */
    CompletableFuture<ExitStatus> exit(W worker);

    long pid(W worker);

    /**
     * Whether {@code worker} still runs as far as its exit watch knows. Asked under the pool lock on
     * every checkout and checkin, so it must make no system call; a worker that died a moment ago may
     * still read as alive, and its exit, reported shortly, takes it out of the books.
     */
    boolean alive(W worker);

    /**
     * Whether {@code worker} still runs, asked now (for a process, also a /proc read): it also sees a
     * death the exit watch has not reported yet. For the rare decision why a worker leaves (it died on
     * its own, or the pool killed it); never under the pool lock.
     */
    default boolean aliveNow(W worker) {
        return alive(worker);
    }

    /** Stops {@code worker} gracefully (its shutdown spec). */
    void dismiss(W worker);

    /** Kills {@code worker} now. */
    void kill(W worker);

    /**
     * Why {@code worker} is not quiet, or null when it is: output nobody has read yet (in a read-ahead
     * buffer or waiting in the pipe). Must not block (a non-blocking peek such as
     * {@link java.io.InputStream#available()}); called without the pool lock, at checkin and just
     * before an idle worker is lent. The default, for resources without output, is always quiet.
     */
    default String unread(W worker) {
        return null;
    }
}
