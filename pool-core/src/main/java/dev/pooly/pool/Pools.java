package dev.pooly.pool;

import dev.pooly.pool.internal.PoolHandle;
import dev.pooly.supervisor.SupervisionEvent;
import dev.pooly.supervisor.SupervisionTree;
import dev.pooly.supervisor.Supervisor;
import dev.pooly.supervisor.SupervisorSpec;

import java.util.function.Consumer;

/**
 * Makes pools. A pool is a subtree, as in the talk's Pooly: the pool's supervisor ({@code one_for_all},
 * id = the pool name) over its workers supervisor ({@code simple_one_for_one}, id {@code NAME.workers},
 * workers {@code NAME-1}, {@code NAME-2}...) and the pool server (a service, id {@code NAME.server}).
 * Killing any of them heals the pool; killing workers too often escalates to the pool's parent.
 *
 * <p>Thread-safe (static).
 */
public final class Pools {
    private Pools() {}

    /** The subtree to put into a supervision tree, and the handle callers use. Immutable; the pool is thread-safe. */
    public record PoolTree(SupervisorSpec spec, Pool pool) {}

    public static PoolTree create(PoolSpec spec) {
        return create(spec, PoolListener.NONE);
    }

    /** As {@link #create(PoolSpec)}, telling {@code listener} of the pool's checkouts, leases and worker exits. */
    public static PoolTree create(PoolSpec spec, PoolListener listener) {
        PoolHandle handle = new PoolHandle(spec, listener);
        return new PoolTree(handle.subtree(), handle);
    }

    /**
     * A pool under a supervisor of its own, for programs that want just one pool. Returns once the
     * pool server is up (workers may still be starting).
     */
    public static StandalonePool start(PoolSpec spec, Consumer<? super SupervisionEvent> listener) {
        return start(spec, listener, PoolListener.NONE);
    }

    /** As {@link #start(PoolSpec, Consumer)}, telling {@code poolListener} of checkouts, leases and worker exits. */
    public static StandalonePool start(PoolSpec spec, Consumer<? super SupervisionEvent> listener, PoolListener poolListener) {
        PoolHandle handle = new PoolHandle(spec, poolListener);
        Supervisor root = SupervisionTree.start(SupervisorSpec.of(spec.name() + ".root",
                dev.pooly.supervisor.Strategy.ONE_FOR_ONE, spec.intensity(), java.util.List.of(handle.subtree())), listener);
        return new StandalonePool(handle, root);
    }

    public static StandalonePool start(PoolSpec spec) {
        return start(spec, e -> {});
    }
}
