package dev.pooly.pool;

/**
 * A frame that cannot be: a request that cannot be framed (refused before anything reaches the worker)
 * or a bad answer frame (malformed, truncated, over {@code max} or surplus). The message says what was
 * wrong, where in the frame, and shows the first bytes (at most 200, escaped) of what arrived.
 *
 * <p>A lease that reads a bad answer frame ends and its worker is replaced; the lease then throws
 * {@link BadFrameException}, which names the pool and the pid as well. Thread-safe: its fields are set once, at construction.
 */
public class FrameException extends PoolException {
    public FrameException(String message) {
        super(message);
    }
}
