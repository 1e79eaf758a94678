package dev.pooly.cli.daemon;

import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An HTTP request body read chunk by chunk from Jetty, for the call endpoint: a whole body within a
 * limit, or NDJSON lines one at a time, each within the limit, never holding more than the limit plus
 * one chunk of one request. While the handler waits for a worker it keeps one read demand open
 * ({@link #watch}), so a client that hangs up mid-call is seen at once (Jetty reads nothing a handler
 * does not ask for) and the bytes it sent meanwhile are kept for the next line.
 *
 * <p>Thread-safety: one handler thread reads; Jetty runs the demand callback on another. {@link #lock}
 * guards the buffer and the flags between them; no I/O runs under it except Jetty's non-blocking
 * {@code read()}, which returns at once.
 */
final class HttpBody {
    /** Thrown when the body passes its limit: the rest is not read. */
    static final class TooLarge extends IOException {
        TooLarge(String message) { super(message); }
    }

    /**
     * Thrown when the client's side failed (it closed the connection, a bad chunk): it is gone. Quiet:
     * Jetty logs it at debug, not as a server error (the daemon logs the hang-up once itself).
     */
    static final class ClientGone extends IOException implements org.eclipse.jetty.io.QuietException {
        ClientGone(Throwable cause) { super(cause == null ? "the client closed its connection" : cause.toString(), cause); }
    }

    private final Request request;
    private final long max;

    // The handler thread and the demand callback share these: a demand arms once, and its callback
    // must hand its chunk and any failure to the handler, which may be waiting for it.
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    // ---- guarded by lock
    private final ByteArrayOutputStream buffered = new ByteArrayOutputStream();
    private boolean demandPending;
    private boolean eof;
    private Throwable failure;
    private Runnable onGone;
    // ----

    HttpBody(Request request, long max) {
        this.request = request;
        this.max = max;
    }

    /** The whole body; {@link TooLarge} as soon as it passes the limit. */
    byte[] readAll() throws IOException {
        while (true) {
            lock.lock();
            try {
                if (failure != null) throw new ClientGone(failure);
                if (buffered.size() > max) throw new TooLarge("the request body is over its limit of " + max + " bytes (the pool's framing max)");
                if (eof) return buffered.toByteArray();
            } finally {
                lock.unlock();
            }
            fill();
        }
    }

    /**
     * The next line of the body, without its line break; null at the end of the body. An unterminated
     * last line counts as a line. {@link TooLarge} as soon as a line passes the limit.
     */
    byte[] nextLine() throws IOException {
        while (true) {
            lock.lock();
            try {
                byte[] line = takeLine();
                if (line != null) return line;
                if (failure != null) throw new ClientGone(failure);
                if (buffered.size() > max) throw new TooLarge("a request line is over its limit of " + max + " bytes (room for one frame of the pool's framing max)");
                if (eof) {
                    if (buffered.size() == 0) return null;
                    byte[] last = buffered.toByteArray();
                    buffered.reset();
                    return last;
                }
            } finally {
                lock.unlock();
            }
            fill();
        }
    }

    /** Whether a whole line (or the end) is here already, so answers need not be flushed yet. */
    boolean lineReady() {
        lock.lock();
        try {
            if (eof || failure != null) return true;
            byte[] bytes = buffered.toByteArray();
            for (byte b : bytes) if (b == '\n') return true;
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Whether the whole body has been read (a client that hangs up now is seen by {@link ClientWatch} only). */
    boolean ended() {
        lock.lock();
        try {
            return eof;
        } finally {
            lock.unlock();
        }
    }

    /**
     * While the handler waits for a worker: keeps a read demand open, and runs {@code gone} (on a Jetty
     * thread) if the client's side fails before {@link #unwatch}. True if the client was seen gone already.
     */
    boolean watch(Runnable gone) {
        lock.lock();
        try {
            if (failure != null) return true;
            onGone = gone;
            if (!eof && !demandPending && buffered.size() <= max) {
                demandPending = true;
                request.demand(this::onDemand);
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Ends {@link #watch}; true if the client was not seen gone meanwhile. */
    boolean unwatch() {
        lock.lock();
        try {
            onGone = null;
            return failure == null;
        } finally {
            lock.unlock();
        }
    }

    /** Reads what Jetty has, or waits for the pending demand to bring something. */
    private void fill() throws IOException {
        lock.lock();
        try {
            if (!demandPending) {
                Content.Chunk chunk = request.read();
                if (chunk != null) {
                    take(chunk);
                    return;
                }
                demandPending = true;
                request.demand(this::onDemand);
            }
            while (demandPending) arrived.awaitUninterruptibly();
        } finally {
            lock.unlock();
        }
    }

    private void onDemand() {
        Runnable gone = null;
        lock.lock();
        try {
            demandPending = false;
            Content.Chunk chunk = request.read();
            if (chunk == null) {
                // Woken with nothing to read: ask again.
                demandPending = true;
                request.demand(this::onDemand);
                return;
            }
            take(chunk);
            if (failure != null) gone = onGone;
            // More may follow while a call is outstanding: keep watching (bounded by the limit).
            if (onGone != null && failure == null && !eof && buffered.size() <= max) {
                demandPending = true;
                request.demand(this::onDemand);
            }
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        if (gone != null) gone.run();
    }

    /** Called under the lock. */
    private void take(Content.Chunk chunk) {
        try {
            if (Content.Chunk.isFailure(chunk)) {
                failure = chunk.getFailure();
                return;
            }
            ByteBuffer bytes = chunk.getByteBuffer();
            if (bytes.hasArray()) {
                buffered.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
            } else {
                byte[] copy = new byte[bytes.remaining()];
                bytes.get(copy);
                buffered.write(copy, 0, copy.length);
            }
            if (chunk.isLast()) eof = true;
        } finally {
            chunk.release();
        }
    }

    /** Called under the lock: the first line of the buffer, removed from it, or null. */
    private byte[] takeLine() {
        if (buffered.size() == 0) return null;
        byte[] bytes = buffered.toByteArray();
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                int end = i > 0 && bytes[i - 1] == '\r' ? i - 1 : i;
                byte[] line = java.util.Arrays.copyOfRange(bytes, 0, end);
                buffered.reset();
                buffered.write(bytes, i + 1, bytes.length - i - 1);
                return line;
            }
        }
        return null;
    }
}
