package dev.pooly.supervisor.internal;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An actor's mailbox that can be closed: once {@link #close()} has returned, every {@link #offer}
 * fails, so a sender learns at once that nobody will ever read its message.
 *
 * <p>States: OPEN -> CLOSED, once. Thread-safe: one lock, held for O(1) work only (close copies the
 * queue once). A ReentrantLock, not synchronized, because actors and senders are virtual threads.
 */
final class Mailbox<M> {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition nonEmpty = lock.newCondition();
    private final ArrayDeque<M> queue = new ArrayDeque<>();
    private boolean closed;

    /** Queues {@code m}; false when the mailbox is closed (the message will never be read). */
    boolean offer(M m) {
        // The race this lock closes (issue 9, finding 5): "is it open?" and "queue it" must be one
        // step, or a message can land after the owner drained the queue for the last time.
        lock.lock();
        try {
            if (closed) return false;
            queue.add(m);
            nonEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The next message, waiting for one. Only the owning actor calls this. */
    M take() throws InterruptedException {
        lock.lock();
        try {
            while (queue.isEmpty()) nonEmpty.await();
            return queue.poll();
        } finally {
            lock.unlock();
        }
    }

    /** Closes the mailbox and returns what was still queued. Only the owning actor calls this, once. */
    List<M> close() {
        lock.lock();
        try {
            if (closed) throw new IllegalStateException("mailbox closed twice: an actor terminated twice");
            closed = true;
            List<M> left = List.copyOf(queue);
            queue.clear();
            return left;
        } finally {
            lock.unlock();
        }
    }
}
