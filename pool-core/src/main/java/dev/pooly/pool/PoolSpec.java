package dev.pooly.pool;

import dev.pooly.supervisor.Intensity;
import dev.pooly.supervisor.ProcessSpec;

import java.time.Duration;
import java.util.Objects;

/**
 * An immutable pool description; field names follow the contract's config keys.
 *
 * @param worker          the command each worker runs (its id is the pool name; stdio is forced to a channel)
 * @param size            workers started up front and kept alive
 * @param maxOverflow     extra workers started on demand
 * @param checkoutTimeout the wait for callers that give none
 * @param overflowTtl     how long an idle overflow worker lingers before it is dismissed
 * @param maxUses         0 = unlimited; a worker is replaced after this many leases
 * @param leaseTimeout    zero = none; a lease held longer is revoked and its worker killed
 * @param intensity       worker crashes beyond this ({@code max_restarts} in {@code max_seconds}) crash the pool
 *                        server, and the pool's supervisor restarts the pool; the pool supervisor restarting
 *                        more often than this gives up in turn, and its parent decides
 * @param health          the workers' health check, or null for none
 * @param maxMemory       bytes of RSS a worker's whole process tree may use; 0 = no limit. An idle worker over
 *                        it is replaced at once, a busy one at checkin (never mid-request)
 * @param framing         where requests and answers begin and end ({@link Framing#line()} by default: today's
 *                        one line each way); a reload that changes it rolls the workers
 */
public record PoolSpec(
        String name,
        ProcessSpec worker,
        int size,
        int maxOverflow,
        PoolStrategy strategy,
        Duration checkoutTimeout,
        Duration overflowTtl,
        int maxUses,
        Duration leaseTimeout,
        OnAbandon onAbandon,
        Intensity intensity,
        PoolHealth health,
        long maxMemory,
        Framing framing) {

    public PoolSpec {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("a pool needs a name");
        Objects.requireNonNull(worker, "worker");
        if (size < 0) throw new IllegalArgumentException("pool " + name + ": size must not be negative, was " + size);
        if (maxOverflow < 0) throw new IllegalArgumentException("pool " + name + ": max_overflow must not be negative, was " + maxOverflow);
        if (maxUses < 0) throw new IllegalArgumentException("pool " + name + ": max_uses must not be negative, was " + maxUses);
        Objects.requireNonNull(strategy, "strategy");
        nonNegative(name, "checkout_timeout", checkoutTimeout);
        nonNegative(name, "overflow_ttl", overflowTtl);
        nonNegative(name, "lease_timeout", leaseTimeout);
        Objects.requireNonNull(onAbandon, "onAbandon");
        Objects.requireNonNull(intensity, "intensity");
        if (maxMemory < 0) throw new IllegalArgumentException("pool " + name + ": max_memory must not be negative, was " + maxMemory);
        Objects.requireNonNull(framing, "framing");
        if (health != null) {
            try {
                framing.codec().check(health.request().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } catch (FrameException e) {
                throw new IllegalArgumentException("pool " + name + ": the health request cannot be sent in the pool's framing (" + framing.kind()
                        + "; with PoolSpec's with* methods, set the framing before the health check): " + e.getMessage());
            }
        }
    }

    /** A line-framed pool (today's behaviour). */
    public PoolSpec(String name, ProcessSpec worker, int size, int maxOverflow, PoolStrategy strategy, Duration checkoutTimeout,
                    Duration overflowTtl, int maxUses, Duration leaseTimeout, OnAbandon onAbandon, Intensity intensity,
                    PoolHealth health, long maxMemory) {
        this(name, worker, size, maxOverflow, strategy, checkoutTimeout, overflowTtl, maxUses, leaseTimeout, onAbandon, intensity, health, maxMemory, Framing.line());
    }

    /** A pool without health checks. */
    public PoolSpec(String name, ProcessSpec worker, int size, int maxOverflow, PoolStrategy strategy, Duration checkoutTimeout,
                    Duration overflowTtl, int maxUses, Duration leaseTimeout, OnAbandon onAbandon, Intensity intensity) {
        this(name, worker, size, maxOverflow, strategy, checkoutTimeout, overflowTtl, maxUses, leaseTimeout, onAbandon, intensity, null, 0, Framing.line());
    }

    private static void nonNegative(String pool, String key, Duration d) {
        Objects.requireNonNull(d, key);
        if (d.isNegative()) throw new IllegalArgumentException("pool " + pool + ": " + key + " must not be negative, was " + d);
    }

    /** A pool of {@code size} workers running {@code worker} with the contract's defaults for the rest. */
    public static PoolSpec of(String name, ProcessSpec worker, int size, int maxOverflow) {
        return new PoolSpec(name, worker, size, maxOverflow, PoolStrategy.LIFO, Duration.ofSeconds(5), Duration.ZERO,
                0, Duration.ZERO, OnAbandon.REPLACE, Intensity.of(5, Duration.ofSeconds(5)));
    }

    public PoolSpec withStrategy(PoolStrategy strategy) {
        return new PoolSpec(name, worker, size, maxOverflow, strategy, checkoutTimeout, overflowTtl, maxUses, leaseTimeout, onAbandon, intensity, health, maxMemory, framing);
    }
    public PoolSpec withCheckoutTimeout(Duration checkoutTimeout) {
        return new PoolSpec(name, worker, size, maxOverflow, strategy, checkoutTimeout, overflowTtl, maxUses, leaseTimeout, onAbandon, intensity, health, maxMemory, framing);
    }
    public PoolSpec withOverflowTtl(Duration overflowTtl) {
        return new PoolSpec(name, worker, size, maxOverflow, strategy, checkoutTimeout, overflowTtl, maxUses, leaseTimeout, onAbandon, intensity, health, maxMemory, framing);
    }
    public PoolSpec withMaxUses(int maxUses) {
        return new PoolSpec(name, worker, size, maxOverflow, strategy, checkoutTimeout, overflowTtl, maxUses, leaseTimeout, onAbandon, intensity, health, maxMemory, framing);
    }
    public PoolSpec withLeaseTimeout(Duration leaseTimeout) {
        return new PoolSpec(name, worker, size, maxOverflow, strategy, checkoutTimeout, overflowTtl, maxUses, leaseTimeout, onAbandon, intensity, health, maxMemory, framing);
    }
    public PoolSpec withOnAbandon(OnAbandon onAbandon) {
        return new PoolSpec(name, worker, size, maxOverflow, strategy, checkoutTimeout, overflowTtl, maxUses, leaseTimeout, onAbandon, intensity, health, maxMemory, framing);
    }
    /** The health check; its request must fit the framing already set (a multi-line request needs {@code until}, json, packet, ...). */
    public PoolSpec withHealth(PoolHealth health) {
        return new PoolSpec(name, worker, size, maxOverflow, strategy, checkoutTimeout, overflowTtl, maxUses, leaseTimeout, onAbandon, intensity, health, maxMemory, framing);
    }
    public PoolSpec withMaxMemory(long maxMemory) {
        return new PoolSpec(name, worker, size, maxOverflow, strategy, checkoutTimeout, overflowTtl, maxUses, leaseTimeout, onAbandon, intensity, health, maxMemory, framing);
    }
    public PoolSpec withIntensity(Intensity intensity) {
        return new PoolSpec(name, worker, size, maxOverflow, strategy, checkoutTimeout, overflowTtl, maxUses, leaseTimeout, onAbandon, intensity, health, maxMemory, framing);
    }
    public PoolSpec withFraming(Framing framing) {
        return new PoolSpec(name, worker, size, maxOverflow, strategy, checkoutTimeout, overflowTtl, maxUses, leaseTimeout, onAbandon, intensity, health, maxMemory, framing);
    }
}
