package dev.pooly.cli.daemon;

import dev.pooly.pool.Pool;
import dev.pooly.pool.PoolListener;
import dev.pooly.pool.PoolStatus;
import dev.pooly.supervisor.ExitReason;
import dev.pooly.supervisor.SupervisionEvent;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

import java.util.Map;
import java.util.function.Supplier;

/**
 * The daemon's Prometheus metrics (contract section 4), in a registry of their own. Gauges are read
 * from {@link Pool#status()} at scrape time, so they and {@code pooly status} have one source; the
 * counters and histograms are fed by each pool's {@link PoolListener} and by the tree's
 * {@link SupervisionEvent}s. Labels are {@code pool} and {@code id} only, never a pid.
 *
 * <p>Thread-safe. The per-pool listeners resolve their label values once and index counters by
 * ordinal, so an event looks nothing up. What remains is the client's own cost (1.10): a counter
 * increment is one {@code LongAdder} add; a classic histogram observation is one increment of a
 * per-CPU-striped {@code AtomicLong} (its scrape hand-off), a bucket scan and three adders (bucket,
 * sum, count). No lock, except while a scrape collects that histogram: then the client buffers the
 * observation under its own lock. Exemplars are off (no tracing here), so no sampling either.
 * Compiled, none of it allocates (the bookkeeping benchmark's {@code pooly-metrics}).
 */
public final class DaemonMetrics {
    /** Metric names, shared with the Kubernetes manifests' test. */
    public static final String CHECKOUT_WAITING = "pooly_checkout_waiting";

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter checkouts = Counter.builder().name("pooly_checkouts_total")
            .help("Checkouts by result: ok, timeout (none within the caller's timeout), full (non-blocking, pool full), error")
            .withoutExemplars().labelNames("pool", "result").register(registry);
    private final Histogram waits = Histogram.builder().name("pooly_checkout_wait_seconds")
            .help("How long checkouts waited in the queue (0 when served at once)").unit(Unit.SECONDS)
            .classicOnly().withoutExemplars().labelNames("pool").register(registry);
    private final Histogram leases = Histogram.builder().name("pooly_lease_seconds")
            .help("How long leases were held, however they ended").unit(Unit.SECONDS)
            .classicOnly().withoutExemplars().labelNames("pool").register(registry);
    private final Counter exits = Counter.builder().name("pooly_worker_exits_total")
            .help("Workers that left their pool, by reason").withoutExemplars().labelNames("pool", "reason").register(registry);
    private final Counter restarts = Counter.builder().name("pooly_child_restarts_total")
            .help("Restarts of a tree node by its supervisor").labelNames("id").register(registry);
    private final Counter gaveUp = Counter.builder().name("pooly_supervisor_gave_up_total")
            .help("Times a supervisor exceeded its restart intensity and gave up").labelNames("id").register(registry);

    /**
     * @param pools the daemon's pools by name (read at scrape time)
     */
    public DaemonMetrics(Supplier<Map<String, Pool>> pools) {
        GaugeWithCallback.builder().name("pooly_workers").help("Workers by state: idle, busy, starting")
                .labelNames("pool", "state").callback(cb -> {
                    for (Pool pool : pools.get().values()) {
                        PoolStatus s = pool.status();
                        cb.call(s.idle(), pool.name(), "idle");
                        cb.call(s.busy(), pool.name(), "busy");
                        cb.call(s.starting(), pool.name(), "starting");
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("pooly_workers_max").help("The most workers the pool may run: size + max_overflow")
                .labelNames("pool").callback(cb -> {
                    for (Pool pool : pools.get().values()) {
                        PoolStatus s = pool.status();
                        cb.call(s.size() + s.maxOverflow(), pool.name());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name(CHECKOUT_WAITING).help("Callers queued for a worker")
                .labelNames("pool").callback(cb -> {
                    for (Pool pool : pools.get().values()) cb.call(pool.status().waiting(), pool.name());
                }).register(registry);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** The listener for pool {@code name}; its series exist (at 0) from now on. */
    public PoolListener pool(String name) {
        return new PoolMetrics(name);
    }

    /**
     * Makes the tree's series exist at 0 before anything happens, so that {@code increase()} sees the
     * first restart: {@code ids} every node, {@code supervisors} those that can give up.
     */
    public void tree(Iterable<String> ids, Iterable<String> supervisors) {
        for (String id : ids) restarts.labelValues(id);
        for (String id : supervisors) gaveUp.labelValues(id);
    }

    /** Counts restarts and give-ups; pass every tree event here. Thread-safe. */
    public void on(SupervisionEvent event) {
        switch (event) {
            case SupervisionEvent.Restarting r -> restarts.labelValues(r.id()).inc();
            case SupervisionEvent.GaveUp g -> gaveUp.labelValues(g.id()).inc();
            default -> { }
        }
    }

    private final class PoolMetrics implements PoolListener {
        private final CounterDataPoint[] byResult = new CounterDataPoint[CheckoutResult.values().length];
        private final CounterDataPoint[] byReason = new CounterDataPoint[ExitReason.values().length];
        private final DistributionDataPoint wait;
        private final DistributionDataPoint held;

        PoolMetrics(String pool) {
            for (CheckoutResult r : CheckoutResult.values()) byResult[r.ordinal()] = checkouts.labelValues(pool, label(r));
            for (ExitReason r : ExitReason.values()) byReason[r.ordinal()] = exits.labelValues(pool, r.label());
            wait = waits.labelValues(pool);
            held = leases.labelValues(pool);
        }

        @Override public void checkout(CheckoutResult result, long waitNanos) {
            byResult[result.ordinal()].inc();
            wait.observe(waitNanos / 1e9);
        }

        @Override public void leaseEnded(long heldNanos) {
            held.observe(heldNanos / 1e9);
        }

        @Override public void workerExited(ExitReason reason) {
            byReason[reason.ordinal()].inc();
        }
    }

    static String label(PoolListener.CheckoutResult r) {
        return r.name().toLowerCase(java.util.Locale.ROOT);
    }
}
