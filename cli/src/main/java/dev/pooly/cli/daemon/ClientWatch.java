package dev.pooly.cli.daemon;

import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CancellationException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Notices an HTTP client that closes its connection while its call waits for a worker: Jetty reads
 * nothing from an HTTP/1.1 connection while a handler runs, so without a watch a hung-up client would
 * be seen only at the first write of its answer, and a worker that never answers would stay leased.
 * Like Go's net/http "background read", the watch asks the connection's end point to say when it is
 * readable and then reads one byte: end of stream (what a closed Unix-domain or TCP connection gives)
 * means the client is gone. A byte means the client pipelined its next request before this answer (no
 * common client does); it cannot be given back to Jetty, so the response then closes the connection
 * ({@link #pipelined()}), which HTTP/1.1 clients must expect of pipelined requests.
 *
 * <p>States: WATCHING -> (GONE | PIPELINED | STOPPED), or GONE_AT_START or PIPELINED at once from
 * {@link #start}; each but WATCHING final. Thread-safe: the handler's thread
 * {@link #start}s and {@link #stop}s it; the readable callback runs on a Jetty selector thread, and
 * {@code onGone} on a virtual thread of its own (it kills a worker; the selector must not wait for that).
 * {@link #stop} must be called before the handler writes its response, so the end point's single
 * fill interest is free again for Jetty's next request.
 */
final class ClientWatch {
    private enum State { WATCHING, GONE, GONE_AT_START, PIPELINED, STOPPED }

    // The callback's "still watching? then read a byte / re-arm" and stop()'s "stop and free the fill
    // interest" must not interleave: a read after stop() could eat the first byte of the client's next
    // request, and a re-arm after stop() would hold the fill interest Jetty needs for that request.
    // Under it: the state, one non-blocking read of at most one byte, and the fill-interest calls.
    private final ReentrantLock lock = new ReentrantLock();
    private State state = State.WATCHING; // guarded by lock
    private final AbstractEndPoint endPoint;
    private final Runnable onGone;

    private ClientWatch(AbstractEndPoint endPoint, Runnable onGone) {
        this.endPoint = endPoint;
        this.onGone = onGone;
    }

    /**
     * Watches {@code request}'s connection, once its body has been read; {@code onGone} runs (on a
     * virtual thread) if the client hangs up before {@link #stop}. A connection that cannot be watched
     * (not a plain socket end point, or one Jetty is reading) is not: a write then finds the client gone.
     */
    static ClientWatch start(Request request, Runnable onGone) {
        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        ClientWatch watch = new ClientWatch(endPoint instanceof AbstractEndPoint a ? a : null, onGone);
        watch.lock.lock();
        try {
            if (watch.endPoint == null) {
                watch.state = State.STOPPED;
            } else {
                // Looks once now: a client that hung up while its call waited for a worker has its end of
                // stream here already, and is told apart from one that leaves later ({@link #goneAtStart}).
                int n = watch.readOne();
                if (n < 0) watch.state = State.GONE_AT_START;
                else if (n > 0) watch.state = State.PIPELINED;
                else if (!watch.endPoint.tryFillInterested(watch.new Readable())) watch.state = State.STOPPED;
            }
        } finally {
            watch.lock.unlock();
        }
        return watch;
    }

    /**
     * Whether the client had hung up before the watch began (while its call waited for a worker):
     * then {@code onGone} does not run, and nothing of the call has reached a worker yet.
     */
    boolean goneAtStart() {
        return state() == State.GONE_AT_START;
    }

    /** One non-blocking read of at most one byte: -1 at end of stream (or a broken connection), else the bytes read. Under {@link #lock}. */
    private int readOne() {
        // Empty and in Jetty's flush mode (limit 0): fill() appends after the limit. (A plain
        // ByteBuffer.allocate(1) reads as one byte already there and no room: fill() returns 0
        // forever, even at end of stream, and the watch spins without ever seeing the hang-up.)
        ByteBuffer one = BufferUtil.allocate(1);
        try {
            return endPoint.fill(one);
        } catch (IOException e) {
            return -1;
        }
    }

    /** Ends the watch; true unless the client was seen gone first. */
    boolean stop() {
        lock.lock();
        try {
            if (state == State.WATCHING) {
                state = State.STOPPED;
                // Frees the end point's fill interest (our callback, which now ignores it); Jetty registers its own next.
                endPoint.getFillInterest().onFail(new CancellationException("call answered"));
                return true;
            }
            return state != State.GONE && state != State.GONE_AT_START;
        } finally {
            lock.unlock();
        }
    }

    /** Whether the client sent bytes during the call: the connection must close after this response. */
    boolean pipelined() {
        return state() == State.PIPELINED;
    }

    private State state() {
        lock.lock();
        try {
            return state;
        } finally {
            lock.unlock();
        }
    }

    private void gone() {
        Threads.startVirtual("pooly-http-client-gone", onGone);
    }

    private final class Readable implements Callback {
        @Override public void succeeded() {
            boolean gone = false;
            lock.lock();
            try {
                if (state != State.WATCHING) return;
                int n = readOne();
                if (n < 0) {
                    state = State.GONE;
                    gone = true;
                } else if (n > 0) {
                    state = State.PIPELINED;
                } else if (!endPoint.tryFillInterested(this)) {
                    // Readable but nothing read (a spurious wake-up): watch on, unless someone else now reads.
                    state = State.STOPPED;
                }
            } finally {
                lock.unlock();
            }
            if (gone) gone();
        }

        @Override public void failed(Throwable why) {
            // Our own stop() (state already STOPPED), or the end point closed: closed counts as gone.
            boolean gone = false;
            lock.lock();
            try {
                if (state == State.WATCHING && !(why instanceof CancellationException)) {
                    state = State.GONE;
                    gone = true;
                }
            } finally {
                lock.unlock();
            }
            if (gone) gone();
        }

        @Override public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING; // a one-byte non-blocking read: run it on the selector
        }
    }
}
