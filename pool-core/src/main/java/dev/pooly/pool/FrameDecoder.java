package dev.pooly.pool;

import java.nio.ByteBuffer;

/**
 * Reads one frame from bytes as they arrive. Not thread-safe; one decoder per frame.
 */
public interface FrameDecoder {
    /**
     * Consumes bytes of {@code in} (advancing its position), never past the end of the frame.
     *
     * @return the frame's payload once complete, or null when it needs more bytes (then {@code in} is used up)
     * @throws FrameException the bytes cannot be this kind of frame, or the frame is over {@code max}
     */
    byte[] decode(ByteBuffer in);

    /** How many bytes of an unfinished frame were consumed: 0 when none (end of stream between frames is fine). */
    long pending();

    /**
     * The unfilled part of a payload whose length is known (a packet's, a {@code Content-Length} body),
     * for a reader that fills it straight from the pipe, or null. Never more than the frame still needs,
     * so a reader that writes into it reads nothing past the frame. Optional: null by default.
     */
    default ByteBuffer unfilled() {
        return null;
    }

    /** After {@code n} bytes were written at {@link #unfilled()}'s position: the payload once complete, else null. */
    default byte[] filled(int n) {
        throw new IllegalStateException("this decoder has no unfilled payload");
    }

    /** The first bytes of the frame consumed so far, escaped, at most 200: for the error of a truncated frame. */
    String firstBytes();
}
