package dev.pooly.pool;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;

/**
 * One worker lent to one holder: its stdin and stdout, until {@link #close()} checks it in.
 *
 * <h2>States</h2>
 * A lease is {@code ACTIVE} until it ends, exactly once, for one {@link LeaseRevokedException.Reason}:
 * its holder ended it ({@code CHECKED_IN}, {@code DISCARDED}, {@code ABANDONED}) or the pool did
 * ({@code LEASE_TIMEOUT}, {@code REQUEST_TIMEOUT}, {@code WORKER_DIED}, {@code POOL_CLOSED}, or
 * {@code ABANDONED} when its holder vanished). From then on every operation through it, the streams
 * from {@link #stdin()} and {@link #stdout()} included, throws {@link LeaseRevokedException} naming
 * the reason; it can never reach its worker again, even after that worker is lent to someone else.
 * Each checkout makes a new lease; no lease can revive or reset another.
 *
 * <h2>Quiet checkin</h2>
 * A worker goes back to idle only when it is quiet: no operation through the lease is still in
 * progress, every request the lease knows of is answered ({@link #unanswered()} is 0), and nothing
 * is unread, neither read ahead by {@link #readLine()} nor waiting in the pipe. Otherwise the worker
 * is killed and replaced (logged with pool, pid and why), and the checkin itself succeeds. So
 * {@code writeLine(x)} then {@code close()} never hands the answer to {@code x} to the next holder.
 * The lease knows of requests written with {@link #request}, {@link #writeLine} and those declared
 * with {@link #expectAnswers}.
 *
 * <h2>Uncounted leases: never returned on trust</h2>
 * Bytes written through {@link #stdin()} while no declared request is owed an answer, and a call to
 * {@link #process()}, make the lease <em>uncounted</em>: the pool cannot know whether an answer is
 * still coming (a worker still computing is quiet at that instant). Such a lease's worker goes back
 * to idle, at checkin or when abandoned with {@link OnAbandon#RETURN}, only if the pool's
 * {@linkplain PoolHealth health request} proves it quiet: answered with exactly {@code expect} within
 * the health timeout and nothing unread after it (a worker answers in order, so an answer still owed
 * comes first and fails the proof). Without a health check, or when the proof fails, the worker is
 * killed and replaced. Declare raw requests with {@link #expectAnswers} before writing them to keep
 * the lease counted.
 *
 * <p>The pool looks again just before an idle worker is lent: a worker that wrote output nobody asked
 * for while idle (a late extra line) is replaced, not lent. What remains: output a worker writes
 * unasked after that last look, before or while the next holder's first request is answered, cannot
 * be told from that holder's answer; a line protocol cannot frame it. Workers must answer each request
 * with exactly one line and otherwise stay silent; violations that reach the pipe by the next checkin
 * or lend get the worker replaced.
 *
 * <h2>Frames</h2>
 * The whole-frame operations ({@link #requestFrame}, {@link #writeFrame}, {@link #readFrame} and their
 * text forms) speak the pool's {@link Framing}: a request is checked before anything is written (a
 * request that cannot be framed throws {@link FrameException} and reaches no worker), and an answer is
 * one complete frame. With a framing, "answered" means a complete answer frame: a malformed answer, one
 * over {@code max}, or one cut short by the worker's end of output ends the lease, the worker is
 * replaced, and {@link BadFrameException} names the pool, the pid, what was wrong and the first bytes;
 * bytes after an answer with no request outstanding get the worker replaced at checkin, as above.
 * Frame and line operations count requests the same way; pipelining is {@link #writeFrame} several
 * times, then one {@link #readFrame} per request, in order. On a {@code line} pool a frame is a line.
 * {@link #requestFrame} and {@link #request} read the answer while a large request (over 16 KiB) is
 * still being written, so a worker that answers while it reads ({@code cat}) cannot deadlock them;
 * {@link #writeFrame} returns once its frame is written, so pipelining large frames to such a worker
 * needs its answers read by another thread meanwhile.
 *
 * <h2>Threads</h2>
 * Thread-safe for one writer and one reader at a time: a lease may be used from any thread (stdin and
 * stdout are independent, so a writer thread and a reader thread may pipeline), never by two writers or
 * two readers at once (the read-ahead buffer has no lock). It is <em>abandoned</em>
 * ({@link OnAbandon}) when it becomes unreachable unclosed, or when every thread that ever used it
 * (the one that checked it out and any other that called a method on it) has ended. A lease handed to
 * another thread therefore stays valid as long as that thread lives, once it has used the lease; a
 * lease handed on whose first thread ends before the receiver touches it may be reclaimed in between
 * (the receiver then gets {@code LeaseRevokedException} with {@code ABANDONED}, never someone else's
 * worker). {@link #close}, {@link #discard} and {@link #abandon} may race with the pool ending the
 * lease; exactly one wins. Interrupt: a thread interrupted in a blocking read or write stays blocked
 * (pipe I/O is not interruptible); use a request deadline or {@link #discard()} from another thread.
 *
 * <p>Memory effects: a checkin that returns the worker to idle happens-before the checkout that next
 * lends that worker returns: both go through the pool's lock, or the hand-off to a queued caller
 * completes that caller's future under it. Every operation through the lease, its streams' included,
 * counts itself in and out with an atomic update of one volatile counter, so an operation that has
 * returned happens-before one that starts after it on any thread: the reader (or writer) may move from
 * one thread to another without a lock of its own. The lease's end is one compare-and-set on a
 * volatile field, seen by every thread that uses the lease after it.
 */
public interface Lease extends AutoCloseable {
    String pool();

    /** The worker's pid. */
    long pid();

    /**
     * The worker's process handle (for {@code info()}, {@code descendants()}, {@code onExit()}). Taking
     * it makes the lease uncounted (see the class comment): use {@link #pid()} for the worker's identity.
     * Destroying the worker through it is the worker dying: this lease ends with
     * {@link LeaseRevokedException.Reason#WORKER_DIED} and the pool replaces the worker, as for a crash
     * (it counts toward the pool's restart intensity). Prefer {@link #discard()}.
     */
    ProcessHandle process();

    /**
     * The worker's stdin. Closing this stream only flushes (closing the pipe would end the worker; use
     * {@link #discard()}). Writes on an ended lease throw {@link LeaseRevokedException}.
     */
    OutputStream stdin();

    /**
     * The worker's stdout; bytes the line helper read ahead are delivered first. Reads on an ended
     * lease throw {@link LeaseRevokedException}; a read in progress when the lease ends gets the worker
     * replaced rather than returned.
     */
    InputStream stdout();

    /**
     * Writes {@code line} and a newline, then reads one response line. If none arrives within
     * {@code deadline} the worker is killed (a pipe read cannot be taken back) and
     * {@link LeaseTimeoutException} ({@code REQUEST_TIMEOUT}) is thrown.
     *
     * @throws IllegalArgumentException {@code line} contains a line break
     * @throws WorkerDiedException      the worker died before answering
     * @throws LeaseRevokedException    the lease had ended
     */
    String request(String line, Duration deadline);

    /**
     * Writes one request line without waiting for the answer, for pipelining many requests (each
     * answered by one line, in order). Pair every call with one {@link #readLine()}; each one counts
     * in {@link #unanswered()} until then.
     */
    void writeLine(String line);

    /** Reads one response line, waiting as long as it takes. @throws WorkerDiedException at end of stream */
    String readLine();

    /**
     * Reads one response line; if none arrives within {@code deadline} the worker is killed and
     * replaced and {@link LeaseTimeoutException} ({@code REQUEST_TIMEOUT}) is thrown, here and by every
     * later operation. For pipelined requests with a per-answer deadline.
     */
    String readLine(Duration deadline);

    /**
     * Declares that {@code requests} requests were written through {@link #stdin()}, each owed one
     * answer line, which {@link #readLine()} will read. Leaves raw mode: checking in with any of them
     * unanswered replaces the worker.
     */
    void expectAnswers(int requests);

    /** The pool's framing, as this lease's worker speaks it. */
    Framing framing();

    /**
     * Writes {@code request} as one frame and reads the answer frame's payload. If none arrives within
     * {@code deadline} the worker is killed and {@link LeaseTimeoutException} ({@code REQUEST_TIMEOUT}) is
     * thrown.
     *
     * @throws FrameException        {@code request} cannot be framed (nothing was written; the lease stays good)
     * @throws BadFrameException     the answer was not a good frame (the lease has ended)
     * @throws WorkerDiedException   the worker died before answering
     * @throws LeaseRevokedException the lease had ended
     */
    byte[] requestFrame(byte[] request, Duration deadline);

    /** {@link #requestFrame(byte[], Duration)} with UTF-8 text each way. */
    default String requestText(String request, Duration deadline) {
        return new String(requestFrame(request.getBytes(java.nio.charset.StandardCharsets.UTF_8), deadline), java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * Writes one request frame without waiting for the answer (pipelining); pair every call with one
     * {@link #readFrame}. @throws FrameException {@code request} cannot be framed (nothing was written)
     */
    void writeFrame(byte[] request);

    /** {@link #writeFrame(byte[])} of UTF-8 text. */
    default void writeFrame(String request) {
        writeFrame(request.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * Reads one answer frame's payload; {@code deadline} null waits as long as it takes, else the worker is
     * killed when it passes ({@link LeaseTimeoutException}).
     *
     * @throws BadFrameException   the answer was not a good frame (the lease has ended)
     * @throws WorkerDiedException end of stream before an answer
     */
    byte[] readFrame(Duration deadline);

    /** {@link #readFrame(Duration)} as UTF-8 text. */
    default String readText(Duration deadline) {
        return new String(readFrame(deadline), java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * Bytes of the worker's output not read yet: buffered here plus what its pipe holds, with filler
     * between frames (JSON's whitespace) skipped. Never blocks; 0 once the lease has ended. Read by
     * the thread that reads answers (it may consume filler).
     */
    int unreadOutput();

    /** Requests written or declared through this lease and not yet answered by {@link #readLine()}. */
    int unanswered();

    /** Whether the lease is still good: not ended, and its worker still running. */
    boolean isAlive();

    /** How many leases this worker has served, this one included. */
    int uses();

    /**
     * Checks the worker in; it goes back to idle only if quiet (see the class comment), else it is
     * replaced. After {@link #discard()} or {@link #abandon()}, or once the pool ended the lease (its
     * worker died, it was revoked, the pool restarted), it quietly does nothing; a second
     * {@code close()} is an {@link IllegalStateException} that says so.
     */
    @Override
    void close();

    /**
     * As {@link #close()}, and says whether the worker was found quiet at the checkin: false when it
     * was not (output nobody asked for, a request unanswered: it is replaced) or when the lease had
     * ended already. A holder that tells its own client the checkin went well asks this first.
     */
    boolean checkin();

    /** Gives the worker back as broken: it is killed and replaced (poolboy #33). */
    void discard();

    /** Applies the pool's {@link OnAbandon} policy, as when the holder vanished (RETURN still requires a quiet worker). */
    void abandon();
}
