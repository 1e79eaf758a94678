package dev.pooly.cli.daemon;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The daemon's drain ({@code shutdown.drain}): once {@link #start() started} it lends no more workers
 * and lets the leases already open end, for at most the drain time.
 *
 * <p>States: OPEN (leases may begin) and DRAINING (final). A lease session {@link #begin() begins}
 * after its checkout and {@link #end() ends} when its worker is back. Thread-safe: any number of
 * sessions, one drainer. {@link #awaitIdle} returns early, with the flag set, when interrupted.
 */
public final class Drain {
    private volatile boolean draining;
    private final AtomicInteger open = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();

    /** Whether the daemon is draining (then {@code /readyz} is 503 and every pool's state is {@code draining}). */
    public boolean draining() {
        return draining;
    }

    /**
     * A lease is about to be handed to a client: true if it may be, false when draining (then the
     * caller gives the worker back and refuses).
     */
    public boolean begin() {
        // Count first, then look: start() sets the flag first, then looks at the count. Either the
        // session sees the flag and backs out, or the drainer sees the session and waits for it.
        open.incrementAndGet();
        if (draining) {
            end();
            return false;
        }
        return true;
    }

    /** A lease that {@link #begin()} admitted has ended. */
    public void end() {
        if (open.decrementAndGet() == 0 && draining) {
            // The drainer may be between its check of the count and its wait: signal under the lock.
            lock.lock();
            try {
                idle.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Lends no more: from now on {@link #begin()} is false. Idempotent. */
    public void start() {
        draining = true;
    }

    /** Leases still open. */
    public int open() {
        return open.get();
    }

    /** Waits until no lease is open or {@code max} has passed; true if none is open. */
    public boolean awaitIdle(Duration max) {
        long left = max.toNanos();
        // The count and the wait are taken under the lock that end() signals under: no lost wake-up.
        lock.lock();
        try {
            while (open.get() > 0) {
                if (left <= 0) return false;
                left = idle.awaitNanos(left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return open.get() == 0;
        } finally {
            lock.unlock();
        }
    }
}
