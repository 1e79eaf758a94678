package dev.pooly.pool;

/**
 * A worker answered with a bad frame (malformed, truncated, over {@code max}) or wrote bytes no
 * request asked for: the lease has ended and its worker is being replaced. The message names the
 * pool, the pid, what was wrong and the first bytes received (at most 200, escaped). A worker death
 * from the caller's point of view: nothing of the bad answer reaches another caller. Thread-safe: its fields are set once, at construction.
 */
public class BadFrameException extends WorkerDiedException {
    public BadFrameException(String message, Throwable cause) {
        super(message, cause);
    }
}
