package dev.pooly.micrometer;

import dev.pooly.pool.Pool;
import dev.pooly.pool.PoolListener;
import dev.pooly.pool.PoolStatus;
import dev.pooly.supervisor.ExitReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * One pool's meters in a Micrometer {@link MeterRegistry}, as HikariCP's {@code hikaricp.connections.*}
 * are for a connection pool. All tagged {@code pool}:
 *
 * <table>
 * <caption>Meters (the daemon's Prometheus name beside each)</caption>
 * <tr><th>meter</th><th>kind</th><th>tags</th><th>Prometheus (daemon)</th></tr>
 * <tr><td>{@code pooly.workers}</td><td>gauge</td><td>{@code state}: idle, busy, starting</td><td>{@code pooly_workers}</td></tr>
 * <tr><td>{@code pooly.workers.max}</td><td>gauge</td><td></td><td>{@code pooly_workers_max}</td></tr>
 * <tr><td>{@code pooly.checkout.waiting}</td><td>gauge</td><td></td><td>{@code pooly_checkout_waiting}</td></tr>
 * <tr><td>{@code pooly.checkout.wait}</td><td>timer</td><td></td><td>{@code pooly_checkout_wait_seconds}</td></tr>
 * <tr><td>{@code pooly.lease}</td><td>timer</td><td></td><td>{@code pooly_lease_seconds}</td></tr>
 * <tr><td>{@code pooly.checkouts}</td><td>counter</td><td>{@code result}: ok, timeout, full, error</td><td>{@code pooly_checkouts_total}</td></tr>
 * <tr><td>{@code pooly.worker.exits}</td><td>counter</td><td>{@code reason}: {@link ExitReason#label()}</td><td>{@code pooly_worker_exits_total}</td></tr>
 * </table>
 *
 * <p>Use: create the meters, pass them as the pool's {@link PoolListener}, then bind the gauges to the
 * pool it started:
 * <pre>{@code
 * PoolMeters meters = PoolMeters.register(registry, "upper");
 * StandalonePool pool = Pools.start(spec, event -> {}, meters);
 * meters.bindTo(pool);
 * }</pre>
 * Counters and timers exist (at 0) from {@link #register}; gauges from {@link #bindTo}, and they read
 * {@link Pool#status()} when the registry is scraped. {@link #close} removes every meter of the pool.
 *
 * <p>Thread-safety: the listener methods are called by the pool on callers', holders' and its timer's
 * threads, concurrently; they only record into Micrometer's thread-safe meters and never block (what
 * they allocate is Micrometer's: 0 to 24 bytes per checkout and checkin, measured by PoolMetersTest). {@link #bindTo} and {@link #close} may be called from any thread, once each. The meter
 * objects are created in {@link #register} and only read afterwards (final fields: safely published to
 * every thread that sees this object).
 */
public final class PoolMeters implements PoolListener, AutoCloseable {
    private final MeterRegistry registry;
    private final String pool;
    private final Tags tags;
    private final Counter[] byResult = new Counter[CheckoutResult.values().length];
    private final Counter[] byReason = new Counter[ExitReason.values().length];
    private final Timer wait;
    private final Timer lease;
    /** Every meter registered for this pool, for {@link #close}: written at register and bind only, so copy-on-write costs nothing. */
    private final List<Meter> meters = new CopyOnWriteArrayList<>();

    private PoolMeters(MeterRegistry registry, String pool) {
        this.registry = registry;
        this.pool = pool;
        this.tags = Tags.of("pool", pool);
        for (CheckoutResult r : CheckoutResult.values()) {
            byResult[r.ordinal()] = add(Counter.builder("pooly.checkouts").description("Checkouts by how they ended")
                    .tags(tags).tag("result", r.name().toLowerCase(Locale.ROOT)).register(registry));
        }
        for (ExitReason r : ExitReason.values()) {
            byReason[r.ordinal()] = add(Counter.builder("pooly.worker.exits").description("Workers that left the pool, by reason")
                    .tags(tags).tag("reason", r.label()).register(registry));
        }
        wait = add(Timer.builder("pooly.checkout.wait").description("How long checkouts waited in the queue (0 when served at once)")
                .tags(tags).register(registry));
        lease = add(Timer.builder("pooly.lease").description("How long leases were held, however they ended")
                .tags(tags).register(registry));
    }

    /**
     * Registers pool {@code pool}'s counters and timers in {@code registry}; pass the result to the
     * pool as its listener, then call {@link #bindTo}.
     */
    public static PoolMeters register(MeterRegistry registry, String pool) {
        Objects.requireNonNull(registry, "registry");
        if (pool == null || pool.isBlank()) throw new IllegalArgumentException("pool name must not be empty");
        return new PoolMeters(registry, pool);
    }

    /**
     * Registers the gauges, read from {@code pool.status()} at each scrape; the registry holds {@code pool}
     * strongly until {@link #close}. Returns this.
     *
     * @throws IllegalArgumentException {@code pool} is not the pool these meters were registered for
     */
    public PoolMeters bindTo(Pool pool) {
        if (!pool.name().equals(this.pool)) {
            throw new IllegalArgumentException("these meters are for pool '" + this.pool + "', not '" + pool.name() + "'");
        }
        gauge("pooly.workers", "Workers by state", pool, Tags.of("state", "idle"), PoolStatus::idle);
        gauge("pooly.workers", "Workers by state", pool, Tags.of("state", "busy"), PoolStatus::busy);
        gauge("pooly.workers", "Workers by state", pool, Tags.of("state", "starting"), PoolStatus::starting);
        gauge("pooly.workers.max", "The most workers the pool may run: size + max_overflow", pool, Tags.empty(),
                s -> s.size() + s.maxOverflow());
        gauge("pooly.checkout.waiting", "Callers queued for a worker", pool, Tags.empty(), PoolStatus::waiting);
        return this;
    }

    private void gauge(String name, String help, Pool pool, Tags extra, ToDoubleFunction<PoolStatus> value) {
        add(Gauge.builder(name, pool, p -> value.applyAsDouble(p.status())).description(help)
                .tags(tags).tags(extra).strongReference(true).register(registry));
    }

    private <M extends Meter> M add(M meter) {
        meters.add(meter);
        return meter;
    }

    @Override public void checkout(CheckoutResult result, long waitNanos) {
        byResult[result.ordinal()].increment();
        wait.record(waitNanos, TimeUnit.NANOSECONDS);
    }

    @Override public void leaseEnded(long heldNanos) {
        lease.record(heldNanos, TimeUnit.NANOSECONDS);
    }

    @Override public void workerExited(ExitReason reason) {
        byReason[reason.ordinal()].increment();
    }

    /** Removes every meter of this pool from the registry (the pool itself is not touched). */
    @Override public void close() {
        for (Meter meter : meters) registry.remove(meter);
        meters.clear();
    }
}
