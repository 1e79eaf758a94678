package dev.pooly.cli.daemon;

import dev.pooly.pool.FrameCodec;
import dev.pooly.pool.FrameException;
import dev.pooly.pool.Framing;
import dev.pooly.pool.Lease;
import dev.pooly.pool.Pool;

import java.time.Duration;
import java.util.Arrays;

/**
 * How one request frame of an HTTP call reaches a leased worker and its answer frame comes back,
 * whatever the pool's {@link Framing}: through the lease's whole-frame operations, which check a
 * request before anything is written and read exactly one answer frame. The body of a one-frame call
 * is the request payload as it is (for a {@code line} pool, one trailing line break is dropped, and
 * the answer gets one back, so {@code curl --data-binary @file} and {@code print()} work); the answer
 * body is the answer payload. Immutable and thread-safe.
 */
final class FrameExchange {
    private final Framing framing;
    private final FrameCodec codec;
    private final boolean line;

    private FrameExchange(Framing framing) {
        this.framing = framing;
        this.codec = framing.codec();
        this.line = framing instanceof Framing.Line;
    }

    /** The exchange for {@code pool}'s framing. */
    static FrameExchange of(Pool pool) {
        return new FrameExchange(pool.spec().framing());
    }

    /** The largest request frame: the pool's {@code framing.max}. */
    long limit() {
        return framing.max();
    }

    /**
     * The longest NDJSON request line: room for a frame of {@link #limit()} bytes as base64 (4/3) or as
     * JSON text with some escapes; the frame inside is then checked against the limit itself.
     */
    long lineLimit() {
        return framing.max() / 2 * 3 + 1024;
    }

    /** The largest body of a one-frame call: the frame limit, plus the line break a {@code line} body may end with. */
    long bodyLimit() {
        return line ? framing.max() + 2 : framing.max();
    }

    /**
     * The request frame a one-frame call's body holds, checked against the framing before any worker is leased.
     *
     * @throws IllegalArgumentException the body cannot be framed (the message says why)
     */
    byte[] requestFromBody(byte[] body) {
        byte[] frame = body;
        if (line) {
            int end = body.length;
            // One line break at the end is how a line is written (echo, curl --data-binary @file): not part of it.
            if (end > 0 && body[end - 1] == '\n') end--;
            if (end > 0 && body[end - 1] == '\r') end--;
            if (end != body.length) frame = Arrays.copyOf(body, end);
        }
        try {
            codec.check(frame);
        } catch (FrameException e) {
            throw refused(e);
        }
        return frame;
    }

    private static IllegalArgumentException refused(FrameException e) {
        return new IllegalArgumentException(e.getMessage() + "; it was refused and reached no worker", e);
    }

    /** The response body for an answer frame. */
    byte[] answerToBody(byte[] answer) {
        if (!line) return answer;
        byte[] body = Arrays.copyOf(answer, answer.length + 1);
        body[answer.length] = '\n';
        return body;
    }

    /**
     * Writes {@code frame} and reads its answer frame; past {@code deadline} (null: none) the pool
     * kills the worker and this throws {@link dev.pooly.pool.LeaseTimeoutException}. A bad answer frame
     * throws {@link dev.pooly.pool.BadFrameException} (the lease has ended, the worker is replaced).
     *
     * @throws IllegalArgumentException {@code frame} cannot be framed; it reached no worker
     */
    byte[] call(Lease lease, byte[] frame, Duration deadline) {
        try {
            if (deadline != null) return lease.requestFrame(frame, deadline);
            lease.writeFrame(frame);
        } catch (FrameException e) {
            throw refused(e);
        }
        return lease.readFrame(null);
    }
}
