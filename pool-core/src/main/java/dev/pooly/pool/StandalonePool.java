package dev.pooly.pool;

import dev.pooly.supervisor.Supervisor;

import java.time.Duration;
import java.util.Optional;

/**
 * A pool with its own root supervisor; {@link #close()} shuts both down (workers stopped as their
 * shutdown spec says). Thread-safe.
 */
public final class StandalonePool implements Pool, AutoCloseable {
    private final Pool pool;
    private final Supervisor root;

    StandalonePool(Pool pool, Supervisor root) {
        this.pool = pool;
        this.root = root;
    }

    /** The root supervisor, to inspect or kill parts of the pool's subtree. */
    public Supervisor supervisor() { return root; }

    @Override public String name() { return pool.name(); }
    @Override public Lease checkout(Duration timeout) { return pool.checkout(timeout); }
    @Override public Optional<Lease> tryCheckout() { return pool.tryCheckout(); }
    @Override public PoolStatus status() { return pool.status(); }
    @Override public PoolSpec spec() { return pool.spec(); }

    @Override public void close() {
        root.shutdown().join();
    }
}
