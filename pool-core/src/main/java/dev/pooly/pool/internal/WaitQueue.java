package dev.pooly.pool.internal;

import dev.pooly.pool.PoolException;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The callers waiting for a worker, first come first served: an intrusive doubly linked list of
 * {@link Waiter}s (O(1) append, removal of the first and of any member).
 *
 * <p>Each waiter parks on its own {@link CompletableFuture}. Handing it a value is
 * {@code complete(value)} ({@link Waiter#handOver}); its giving up (timeout, interrupt) is
 * {@code completeExceptionally(CANCELLED)} ({@link Waiter#await}, {@link Waiter#cancelOrTake}).
 * Whichever comes first wins, so a value handed to a caller at the instant its wait times out is
 * never lost (poolboy #64/#70): the caller keeps it, or the hand-off sees the loss and undoes it.
 *
 * <p>Not thread-safe: the list is guarded by its owner's lock (the pool's); only a waiter's future is
 * touched without it, by its own thread and by the one handing over.
 *
 * @param <T> what is handed over (the pool's lease)
 */
final class WaitQueue<T> {
    static final PoolException CANCELLED = new PoolException("cancelled");

    /** One queued caller, linked into the queue. */
    static final class Waiter<T> {
        final CompletableFuture<T> handoff = new CompletableFuture<>();
        /** The waiting thread: the holder of what it is handed. */
        final Thread thread = Thread.currentThread();
        Waiter<T> prev, next;
        boolean queued;

        /**
         * Waits up to {@code nanos} for a hand-off. Returns what was handed over, also when that
         * happened in the same instant the wait timed out; null when the wait timed out and this
         * waiter's cancel won: it must then leave the queue ({@link WaitQueue#remove}, under the lock),
         * so no later hand-off picks it.
         *
         * @throws ExecutionException the waiter was failed ({@link WaitQueue#failFirst}, {@link WaitQueue#failAll})
         */
        T await(long nanos) throws InterruptedException, ExecutionException {
            try {
                return handoff.get(nanos, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                // The hand-off race: complete(value) by a checkin vs this cancel; the loser yields to the winner.
                return cancelOrTake();
            }
        }

        /**
         * Hands {@code value} to this waiter (taken off the queue already). False when it gave up in
         * the same instant: the value never reached anyone, and the caller takes it back.
         */
        boolean handOver(T value) {
            return handoff.complete(value);
        }

        /** Gives up waiting: null if that won (leave the queue), else what was handed over meanwhile (the caller owns it). */
        T cancelOrTake() {
            if (handoff.completeExceptionally(CANCELLED)) return null;
            return handoff.join(); // handed over in the same instant: the caller must keep it, or give it back
        }
    }

    private Waiter<T> head, tail;
    private int size;

    /** Waiters still queued. */
    int size() { return size; }

    boolean isEmpty() { return head == null; }

    /** Queues the calling thread last. */
    Waiter<T> enqueue() {
        Waiter<T> w = new Waiter<>();
        w.prev = tail;
        if (tail != null) tail.next = w; else head = w;
        tail = w;
        w.queued = true;
        size++;
        return w;
    }

    /** Takes {@code w} off the queue; nothing if it is no longer queued. */
    void remove(Waiter<T> w) {
        if (!w.queued) return;
        if (w.prev != null) w.prev.next = w.next; else head = w.next;
        if (w.next != null) w.next.prev = w.prev; else tail = w.prev;
        w.prev = w.next = null;
        w.queued = false;
        size--;
    }

    /** Takes the first waiter off the queue, or null. */
    Waiter<T> poll() {
        Waiter<T> first = head;
        if (first != null) remove(first);
        return first;
    }

    /** Fails the first waiter still waiting with {@code error}; false when there was none. */
    boolean failFirst(Throwable error) {
        Waiter<T> first;
        while ((first = poll()) != null) {
            if (first.handoff.completeExceptionally(error)) return true;
        }
        return false;
    }

    /** Fails every waiter with {@code error}; the queue is empty after. */
    void failAll(Throwable error) {
        Waiter<T> first;
        while ((first = poll()) != null) first.handoff.completeExceptionally(error);
    }
}
