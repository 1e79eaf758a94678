package dev.pooly.pool;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;

/**
 * One worker lent to one caller: its stdin and stdout, until {@link #close()} checks it in.
 *
 * <p>Thread-safety: meant for the thread that checked it out (or one thread at a time). {@link #close},
 * {@link #discard} and {@link #abandon} may race with the pool revoking the lease; exactly one wins.
 * Once the worker died or the lease was revoked, I/O through it fails with {@link WorkerDiedException}
 * or {@link LeaseRevokedException}. A lease that becomes unreachable without being closed is reclaimed
 * as abandoned ({@link OnAbandon}).
 */
public interface Lease extends AutoCloseable {
    String pool();

    /** The worker's pid. */
    long pid();

    /** The worker's stdin. Do not close it: that ends the worker (use {@link #discard()}). */
    OutputStream stdin();

    /** The worker's stdout; bytes the line helper read ahead are delivered first. */
    InputStream stdout();

    /**
     * Writes {@code line} and a newline, then reads one response line. If none arrives within
     * {@code deadline} the worker is killed (a pipe read cannot be taken back) and
     * {@link LeaseTimeoutException} is thrown.
     *
     * @throws WorkerDiedException  the worker died before answering
     */
    String request(String line, Duration deadline);

    /**
     * Writes one request line without waiting for the answer, for pipelining many requests (each
     * answered by one line, in order). Pair every call with one {@link #readLine()}.
     */
    void writeLine(String line);

    /** Reads one response line, waiting as long as it takes. @throws WorkerDiedException at end of stream */
    String readLine();

    /** Whether the lease is still good: not closed, not revoked, and its worker still running. */
    boolean isAlive();

    /** How many leases this worker has served, this one included. */
    int uses();

    /**
     * Checks the worker in. After {@link #discard()} or {@link #abandon()}, or once the lease is void
     * (its worker died, it was revoked, the pool restarted), it quietly does nothing; a second
     * {@code close()} is an error that says so.
     */
    @Override
    void close();

    /** Gives the worker back as broken: it is killed and replaced (poolboy #33). */
    void discard();

    /** Applies the pool's {@link OnAbandon} policy, as when the holder vanished. */
    void abandon();
}
