package dev.pooly.cli.daemon;

import dev.pooly.pool.Pool;

import java.util.AbstractMap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The daemon's pools by name, in file order, read by every connection and changed only by a reload.
 * Copy on write: readers get an immutable snapshot with no lock (a status iterating it while a reload
 * adds a pool sees the old or the new table, never a half-changed one); writers copy under a lock.
 */
final class PoolTable extends AbstractMap<String, Pool> {
    /** Serialises writers, so two concurrent puts cannot each copy the same snapshot and lose one. */
    private final ReentrantLock writes = new ReentrantLock();
    private volatile Map<String, Pool> snapshot;

    PoolTable(Map<String, Pool> initial) {
        this.snapshot = Collections.unmodifiableMap(new LinkedHashMap<>(initial));
    }

    @Override public Set<Entry<String, Pool>> entrySet() { return snapshot.entrySet(); }
    @Override public Pool get(Object key) { return snapshot.get(key); }
    @Override public boolean containsKey(Object key) { return snapshot.containsKey(key); }

    /** Replaces the whole table with {@code pools}, in their order. */
    void replaceAll(Map<String, Pool> pools) {
        writes.lock();
        try {
            snapshot = Collections.unmodifiableMap(new LinkedHashMap<>(pools));
        } finally {
            writes.unlock();
        }
    }
}
