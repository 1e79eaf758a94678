package dev.pooly.cli.daemon;

import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Notices an HTTP client that closes its connection while its call waits for a worker: Jetty reads
 * nothing from an HTTP/1.1 connection while a handler runs, so without a watch a hung-up client would
 * be seen only at the first write of its answer, and a worker that never answers would stay leased.
 * Like Go's net/http "background read", the watch asks the connection's end point to say when it is
 * readable and then reads: end of stream means the client is gone. Bytes mean the client pipelined its
 * next request before this answer (no common client does); they cannot be given back to Jetty, so the
 * response then closes the connection ({@link #pipelined()}), which HTTP/1.1 clients must expect of
 * pipelined requests.
 *
 * <p>States: WATCHING -> (GONE | PIPELINED | STOPPED), each final, one CAS each. Thread-safe: the
 * handler's thread {@link #start}s and {@link #stop}s it; the selector's callback runs on a Jetty thread.
 * {@link #stop} must be called before the handler writes its response, so the end point's single
 * fill interest is free again for Jetty's next request.
 */
final class ClientWatch {
    private enum State { WATCHING, GONE, PIPELINED, STOPPED }

    private final AtomicReference<State> state = new AtomicReference<>(State.WATCHING);
    private final AbstractEndPoint endPoint;
    private final Runnable onGone;

    private ClientWatch(AbstractEndPoint endPoint, Runnable onGone) {
        this.endPoint = endPoint;
        this.onGone = onGone;
    }

    /**
     * Watches {@code request}'s connection, once its body has been read; {@code onGone} runs (on a
     * Jetty thread) if the client hangs up before {@link #stop}. A connection that cannot be watched
     * (not a plain socket end point) is not: a write then finds the client gone.
     */
    static ClientWatch start(Request request, Runnable onGone) {
        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        ClientWatch watch = new ClientWatch(endPoint instanceof AbstractEndPoint a ? a : null, onGone);
        if (watch.endPoint == null || !watch.endPoint.tryFillInterested(watch.new Readable())) {
            watch.state.set(State.STOPPED); // someone else reads this connection; nothing to watch
        }
        return watch;
    }

    /** Ends the watch; true unless the client was seen gone first. */
    boolean stop() {
        // Races the callback seeing end of stream: exactly one of them decides whether the client left.
        if (state.compareAndSet(State.WATCHING, State.STOPPED)) {
            // Frees the end point's fill interest (our callback), failing it quietly; Jetty registers its own next.
            endPoint.getFillInterest().onFail(new CancellationException("call answered"));
            return true;
        }
        return state.get() != State.GONE;
    }

    /** Whether the client sent bytes during the call: the connection must close after this response. */
    boolean pipelined() {
        return state.get() == State.PIPELINED;
    }

    private final class Readable implements Callback {
        @Override public void succeeded() {
            if (state.get() != State.WATCHING) return;
            int n;
            try {
                n = endPoint.fill(ByteBuffer.allocate(1));
            } catch (IOException e) {
                n = -1;
            }
            if (n < 0) {
                if (state.compareAndSet(State.WATCHING, State.GONE)) onGone.run();
            } else if (n > 0) {
                state.compareAndSet(State.WATCHING, State.PIPELINED);
            } else if (state.get() == State.WATCHING && !endPoint.tryFillInterested(this)) {
                // Readable but nothing read (a spurious wake-up): watch on, unless someone else now reads.
                state.compareAndSet(State.WATCHING, State.STOPPED);
            }
        }

        @Override public void failed(Throwable why) {
            // Our own stop(), or the end point closed: closed counts as gone.
            if (!(why instanceof CancellationException) && state.compareAndSet(State.WATCHING, State.GONE)) onGone.run();
        }

        @Override public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING; // a one-byte fill and a discard: run it on the selector
        }
    }
}
