package dev.pooly.benchmarks;

import dev.pooly.cli.daemon.DaemonMetrics;
import dev.pooly.pool.OnAbandon;
import dev.pooly.pool.PoolListener;
import dev.pooly.pool.PoolStrategy;
import dev.pooly.pool.internal.PoolClock;
import dev.pooly.pool.internal.Grant;
import dev.pooly.pool.internal.PoolCore;
import dev.pooly.pool.internal.WorkerSource;
import dev.pooly.supervisor.ExitStatus;
import dev.pooly.supervisor.Intensity;
import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import stormpot.Allocator;
import stormpot.Expiration;
import stormpot.Pool;
import stormpot.Pooled;
import stormpot.Slot;
import stormpot.Timeout;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One pool of no-op resources behind a common checkout/checkin face, so the bookkeeping benchmark
 * measures each pool's own claim and release and nothing else. Each JMH fork loads exactly one
 * subclass, so the calls stay monomorphic and inline.
 *
 * <p>Thread-safe as the pool underneath is. {@link #checkout()} blocks while the pool is empty; a
 * pool that cannot hand out a resource within {@link #WAIT} fails the benchmark loudly.
 */
abstract sealed class Bookkeeper {
    /** Long enough never to fire in a healthy run; a firing one means a lost resource. */
    static final Duration WAIT = Duration.ofSeconds(30);

    /** The pool names as the benchmark's {@code pool} parameter spells them. */
    static final String POOLY = "pooly", POOLY_METRICS = "pooly-metrics", POOLY_LISTENER = "pooly-listener", STORMPOT = "stormpot", COMMONS_FAIR = "commons-fair", COMMONS_UNFAIR = "commons-unfair";

    abstract Object checkout() throws Exception;

    /** Non-blocking: a resource, or null at once when none is idle (for the barging probe). */
    abstract Object tryCheckout() throws Exception;

    abstract void checkin(Object resource);

    abstract void close();

    static Bookkeeper of(String pool, int size) {
        return switch (pool) {
            case POOLY -> new Pooly(size, PoolListener.NONE);
            // The daemon's metrics listener (Prometheus counters and histograms) bound, as with metrics.listen.
            case POOLY_METRICS -> new Pooly(size, new DaemonMetrics(java.util.Map::of).pool("bench"));
            // A listener that does nothing: what the pool itself pays for being listened to (its clock
            // reads and calls), so that pooly-metrics minus this is the Prometheus client's share.
            case POOLY_LISTENER -> new Pooly(size, new PoolListener() {});
            case STORMPOT -> new Stormpot(size);
            case COMMONS_FAIR -> new Commons(size, true);
            case COMMONS_UNFAIR -> new Commons(size, false);
            default -> throw new IllegalArgumentException("unknown pool '" + pool + "'; expected one of "
                    + String.join(", ", POOLY, POOLY_METRICS, POOLY_LISTENER, STORMPOT, COMMONS_FAIR, COMMONS_UNFAIR));
        };
    }

    /**
     * Pooly's state machine itself, {@link PoolCore}, fed with plain objects: the same code path the
     * process pool runs, without processes. Settings as {@code PoolSpec.of}: LIFO, no overflow, no
     * lease timeout, no recycling.
     */
    static final class Pooly extends Bookkeeper {
        private final PoolCore<Object> core;

        Pooly(int size, PoolListener listener) {
            PoolCore.Settings settings = new PoolCore.Settings("bench", "no-op", size, 0, PoolStrategy.LIFO, Duration.ZERO,
                    0, Duration.ZERO, OnAbandon.RETURN, Intensity.of(5, Duration.ofSeconds(5)));
            core = new PoolCore<>(settings, new ObjectSource(), reason -> {}, PoolClock.SYSTEM, listener);
            core.fill();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (core.status().idle() < size) {
                if (System.nanoTime() - deadline > 0) throw new IllegalStateException("pooly: pool never filled");
                Thread.onSpinWait();
            }
        }

        @Override Object checkout() {
            return core.checkout(WAIT, true);
        }

        @Override Object tryCheckout() {
            return core.checkout(Duration.ZERO, false);
        }

        @SuppressWarnings("unchecked")
        @Override void checkin(Object resource) {
            core.checkin((Grant<Object>) resource);
        }

        @Override void close() {
            core.close(new dev.pooly.pool.PoolClosedException("benchmark over"));
        }
    }

    /** Workers that are plain objects: ready at once, never exit, nothing to stop. */
    static final class ObjectSource implements WorkerSource<Object> {
        private final AtomicLong pids = new AtomicLong();
        private final CompletableFuture<ExitStatus> never = new CompletableFuture<>();

        @Override public CompletableFuture<Object> start() {
            return CompletableFuture.completedFuture(new Object());
        }

        @Override public CompletableFuture<ExitStatus> exit(Object worker) { return never; }

        @Override public long pid(Object worker) { return pids.incrementAndGet(); }

        @Override public boolean alive(Object worker) { return true; }

        @Override public void dismiss(Object worker) {}

        @Override public void kill(Object worker) {}
    }

    /**
     * Stormpot's default (threaded) pool, claimed through the pool itself (its thread-local fast
     * path), objects that never expire: Pooly has no expiration check either.
     */
    static final class Stormpot extends Bookkeeper {
        private static final Timeout TIMEOUT = new Timeout(WAIT);
        private final Pool<Pooled<Object>> pool;

        Stormpot(int size) {
            pool = Pool.from(new Allocator<Pooled<Object>>() {
                @Override public Pooled<Object> allocate(Slot slot) { return new Pooled<>(slot, new Object()); }

                @Override public void deallocate(Pooled<Object> poolable) {}
            }).setSize(size).setExpiration(Expiration.never()).build();
        }

        @Override Object checkout() throws InterruptedException {
            Pooled<Object> claimed = pool.claim(TIMEOUT);
            if (claimed == null) throw new IllegalStateException("stormpot: claim timed out after " + WAIT);
            return claimed;
        }

        @Override Object tryCheckout() {
            return pool.tryClaim();
        }

        @SuppressWarnings("unchecked")
        @Override void checkin(Object resource) {
            ((Pooled<Object>) resource).release();
        }

        @Override void close() {
            try {
                pool.shutdown().await(new Timeout(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Commons Pool 2's {@link GenericObjectPool}, pre-filled, LIFO (its default), no JMX, no evictor. */
    static final class Commons extends Bookkeeper {
        private final GenericObjectPool<Object> pool;

        Commons(int size, boolean fair) {
            GenericObjectPoolConfig<Object> config = new GenericObjectPoolConfig<>();
            config.setMaxTotal(size);
            config.setMaxIdle(size);
            config.setMinIdle(0);
            config.setFairness(fair);
            config.setBlockWhenExhausted(true);
            config.setMaxWait(WAIT);
            config.setJmxEnabled(false);
            pool = new GenericObjectPool<>(new BasePooledObjectFactory<>() {
                @Override public Object create() { return new Object(); }

                @Override public PooledObject<Object> wrap(Object obj) { return new DefaultPooledObject<>(obj); }
            }, config);
            try {
                pool.addObjects(size);
            } catch (Exception e) {
                throw new IllegalStateException("commons-pool2: could not fill the pool", e);
            }
        }

        @Override Object checkout() throws Exception {
            return pool.borrowObject();
        }

        @Override Object tryCheckout() {
            try {
                return pool.borrowObject(Duration.ZERO);
            } catch (java.util.NoSuchElementException e) {
                return null;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override void checkin(Object resource) {
            pool.returnObject(resource);
        }

        @Override void close() {
            pool.close();
        }
    }
}
