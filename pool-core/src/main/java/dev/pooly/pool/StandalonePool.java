package dev.pooly.pool;

import dev.pooly.pool.internal.PoolHandle;
import dev.pooly.supervisor.Supervisor;

import java.time.Duration;
import java.util.Optional;

/**
 * A pool with its own root supervisor; {@link #close()} shuts both down (workers stopped as their
 * shutdown spec says; waiting and later callers get {@link PoolClosedException}). Thread-safe.
 */
public final class StandalonePool implements Pool, AutoCloseable {
    private final PoolHandle pool;
    private final Supervisor root;

    StandalonePool(PoolHandle pool, Supervisor root) {
        this.pool = pool;
        this.root = root;
    }

    /** The root supervisor, to inspect or kill parts of the pool's subtree. */
    public Supervisor supervisor() { return root; }

    @Override public void onWorkerExit(java.util.function.Consumer<? super WorkerExit> listener) { pool.onWorkerExit(listener); }

    @Override public String name() { return pool.name(); }
    @Override public Lease checkout(Duration timeout) { return pool.checkout(timeout); }
    @Override public Optional<Lease> tryCheckout() { return pool.tryCheckout(); }
    @Override public PoolStatus status() { return pool.status(); }
    @Override public PoolSpec spec() { return pool.spec(); }
    @Override public void reconfigure(PoolSpec next) { pool.reconfigure(next); }
    @Override public void resize(int size, int maxOverflow) { pool.resize(size, maxOverflow); }

    /** Fails waiters and later checkouts with {@link PoolClosedException}, then stops the tree. */
    @Override public void close() {
        pool.closeForGood();
        root.shutdown().join();
    }
}
