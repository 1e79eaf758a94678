package dev.pooly.pool.internal;

/**
 * An intrusive doubly linked list of idle workers: O(1) push, pop at either end and removal of any
 * member (a worker that died or whose overflow TTL ran out). A worker is on it exactly while its state
 * is {@link WorkerState#IDLE}; the pool keeps the two in step. Not thread-safe: guarded by the
 * pool lock.
 */
final class WorkerList<W> {
    private Worker<W> first;
    private Worker<W> last;
    private int size;

    int size() { return size; }

    void addFirst(Worker<W> w) {
        w.prev = null;
        w.next = first;
        if (first != null) first.prev = w; else last = w;
        first = w;
        size++;
    }

    Worker<W> removeFirst() {
        Worker<W> w = first;
        if (w != null) remove(w);
        return w;
    }

    Worker<W> removeLast() {
        Worker<W> w = last;
        if (w != null) remove(w);
        return w;
    }

    /** Unlinks {@code w}, which must be on this list (its state is IDLE). */
    void remove(Worker<W> w) {
        if (w.prev != null) w.prev.next = w.next; else first = w.next;
        if (w.next != null) w.next.prev = w.prev; else last = w.prev;
        w.prev = w.next = null;
        size--;
    }
}
