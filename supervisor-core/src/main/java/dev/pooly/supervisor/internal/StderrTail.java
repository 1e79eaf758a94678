package dev.pooly.supervisor.internal;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The last few hundred bytes a process wrote to stderr, kept so that a failed start can say why
 * ("setpriv: failed to execute ...", a stack trace's last line). Thread-safe.
 */
final class StderrTail {
    private static final int CAPACITY = 512;
    private final byte[] ring = new byte[CAPACITY];
    private final ReentrantLock lock = new ReentrantLock();
    private long written;
    /** Completes at EOF on the process's stderr (whoever reads it: the multiplexer or a pump thread). */
    private final java.util.concurrent.CompletableFuture<Void> eof = new java.util.concurrent.CompletableFuture<>();

    void ended() {
        eof.complete(null);
    }

    /** The tail once the reader has read what a dying process wrote, waiting up to {@code drain}. */
    String drained(java.time.Duration drain) {
        try {
            eof.get(drain.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // Not drained in time (a grandchild holds the pipe open): what we have is the tail.
        }
        return text();
    }

    void append(byte[] buf, int off, int len) {
        lock.lock();
        try {
            for (int i = off; i < off + len; i++) ring[(int) (written++ % CAPACITY)] = buf[i];
        } finally {
            lock.unlock();
        }
    }

    String text() {
        lock.lock();
        try {
            int n = (int) Math.min(written, CAPACITY);
            byte[] out = new byte[n];
            for (int i = 0; i < n; i++) out[i] = ring[(int) ((written - n + i) % CAPACITY)];
            return new String(out, StandardCharsets.UTF_8).strip();
        } finally {
            lock.unlock();
        }
    }
}
