package dev.pooly.pool;

import java.io.IOException;
import java.io.OutputStream;

/**
 * How one kind of frame is written and read: the built-ins behind {@link Framing}, or a user's own
 * (wrapped in {@link Framing.Custom}).
 *
 * <p>Contract: {@link #check} refuses a request that cannot be framed (throwing {@link FrameException}
 * that names why) and is always called before {@link #encode}, so a refused request reaches no
 * worker. {@link #decoder()} makes a fresh decoder for one answer frame; it must not block, must
 * consume no byte past the end of its frame (those stay for the next frame, or are surplus), and
 * must check {@code max} as soon as a length is known.
 *
 * <p>Thread-safety: a codec is shared by every lease of a pool and must be immutable; a decoder is
 * used by one thread at a time, for one frame.
 */
public interface FrameCodec {
    /** Refuses {@code payload} if it cannot be framed. Never writes. */
    void check(byte[] payload);

    /** Writes {@code payload}, already accepted by {@link #check}, framed. Does not flush. */
    void encode(byte[] payload, OutputStream out) throws IOException;

    /** A fresh decoder for one answer frame. */
    FrameDecoder decoder();

    /**
     * Whether {@code b} may stand between frames and carries nothing (JSON: whitespace). Such bytes
     * are skipped before a frame and are not surplus output. None by default.
     */
    default boolean isFiller(byte b) {
        return false;
    }
}
