package dev.pooly.cli.daemon;

import dev.pooly.pool.Lease;
import dev.pooly.pool.Pool;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * How one request frame of an HTTP call reaches a leased worker and its answer frame comes back: the
 * seam between the HTTP API and the pool's framing. Stateless and thread-safe.
 */
interface FrameExchange {
    /** The largest frame either way (contract section 5: 16 MiB unless the pool says otherwise). */
    long DEFAULT_LIMIT = 16L * 1024 * 1024;

    /** The exchange for {@code pool}'s framing. */
    static FrameExchange of(Pool pool) {
        return Lines.INSTANCE;
    }

    /** The largest request frame, and the largest body of a one-frame call. */
    long limit();

    /**
     * The request frame a one-frame call's body holds.
     *
     * @throws IllegalArgumentException the body is not one frame of this framing (the message says why)
     */
    byte[] requestFromBody(byte[] body);

    /** The response body for an answer frame. */
    byte[] answerToBody(byte[] answer);

    /**
     * Writes {@code frame} and reads its answer frame; past {@code deadline} (null: none) the pool
     * kills the worker and this throws {@link dev.pooly.pool.LeaseTimeoutException}.
     *
     * @throws IllegalArgumentException {@code frame} is not a frame of this framing; it reached no worker
     */
    byte[] call(Lease lease, byte[] frame, Duration deadline);

    /** {@code line} pools: a frame is one line, without its line break. */
    enum Lines implements FrameExchange {
        INSTANCE;

        @Override public long limit() {
            return DEFAULT_LIMIT;
        }

        @Override public byte[] requestFromBody(byte[] body) {
            int end = body.length;
            // One line break at the end is how a line is written (echo, curl --data-binary @file): not part of it.
            if (end > 0 && body[end - 1] == '\n') end--;
            if (end > 0 && body[end - 1] == '\r') end--;
            return end == body.length ? body : java.util.Arrays.copyOf(body, end);
        }

        @Override public byte[] answerToBody(byte[] answer) {
            byte[] body = java.util.Arrays.copyOf(answer, answer.length + 1);
            body[answer.length] = '\n';
            return body;
        }

        @Override public byte[] call(Lease lease, byte[] frame, Duration deadline) {
            for (byte b : frame) {
                if (b == '\n' || b == '\r') {
                    throw new IllegalArgumentException("a request line must not contain a line break (\\n or \\r); "
                            + "it was refused and reached no worker");
                }
            }
            String line = new String(frame, StandardCharsets.UTF_8);
            String answer;
            if (deadline == null) {
                lease.writeLine(line);
                answer = lease.readLine();
            } else {
                answer = lease.request(line, deadline);
            }
            return answer.getBytes(StandardCharsets.UTF_8);
        }
    }
}
