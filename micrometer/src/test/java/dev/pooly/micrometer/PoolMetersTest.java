package dev.pooly.micrometer;

import dev.pooly.pool.Lease;
import dev.pooly.pool.PoolSpec;
import dev.pooly.pool.PoolStatus;
import dev.pooly.pool.PoolTimeoutException;
import dev.pooly.pool.Pools;
import dev.pooly.pool.StandalonePool;
import dev.pooly.pool.PoolListener;
import dev.pooly.supervisor.ExitReason;
import dev.pooly.supervisor.ProcessSpec;
import dev.pooly.testing.Waits;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A real pool of {@code cat} workers bound to a real {@link SimpleMeterRegistry}: every gauge agrees
 * with {@code Pool.status()} as leases are taken, a caller queues and workers start; counters and
 * timers count what the pool did; {@code close} removes the meters; and the binder adds at most one small object
 * to a checkout and checkin.
 */
class PoolMetersTest {
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @Test
    void everyGaugeAgreesWithThePoolsStatusAndCountersAndTimersCountWhatHappened() throws Exception {
        MeterRegistry registry = new SimpleMeterRegistry();
        PoolMeters meters = PoolMeters.register(registry, "upper");
        PoolSpec spec = PoolSpec.of("upper", ProcessSpec.of("upper", "cat"), 2, 1);
        try (StandalonePool pool = Pools.start(spec, event -> {}, meters)) {
            meters.bindTo(pool);
            Waits.await().atMost(PATIENCE).until(() -> pool.status().idle() == 2);
            assertAgrees(registry, pool.status());
            assertThat(gauge(registry, "pooly.workers.max", null)).isEqualTo(3);

            Lease a = pool.checkout(PATIENCE);
            Lease b = pool.checkout(PATIENCE);
            Lease c = pool.checkout(PATIENCE); // the overflow worker
            assertThat(gauge(registry, "pooly.workers", "busy")).isEqualTo(3);
            assertThat(pool.tryCheckout()).isEmpty();
            assertThatThrownBy(() -> pool.checkout(Duration.ofMillis(100))).isInstanceOf(PoolTimeoutException.class);
            CompletableFuture<Lease> queued = CompletableFuture.supplyAsync(() -> pool.checkout(PATIENCE));
            Waits.await().atMost(PATIENCE).until(() -> gauge(registry, "pooly.checkout.waiting", null) == 1);
            assertAgrees(registry, pool.status());

            a.close();
            Lease d = queued.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            long killed = d.pid();
            d.discard(); // the worker is killed and replaced
            b.close();
            c.close();
            Waits.await().atMost(PATIENCE).until(() -> registry.get("pooly.worker.exits").tag("reason", ExitReason.KILLED.label()).counter().count() == 1);
            Waits.await().atMost(PATIENCE).until(() -> pool.status().starting() == 0 && pool.status().busy() == 0);
            assertAgrees(registry, pool.status());
            assertThat(pool.status().workers()).noneMatch(w -> w.pid() == killed);

            assertThat(count(registry, "ok")).isEqualTo(4);
            assertThat(count(registry, "full")).isEqualTo(1);
            assertThat(count(registry, "timeout")).isEqualTo(1);
            assertThat(count(registry, "error")).isZero();
            Timer wait = registry.get("pooly.checkout.wait").tag("pool", "upper").timer();
            assertThat(wait.count()).as("a wait per checkout, whatever its result").isEqualTo(6);
            assertThat(wait.max(TimeUnit.MILLISECONDS)).as("the queued caller or the timeout waited").isGreaterThan(0);
            Timer lease = registry.get("pooly.lease").tag("pool", "upper").timer();
            assertThat(lease.count()).as("four leases ended").isEqualTo(4);
            assertThat(lease.totalTime(TimeUnit.NANOSECONDS)).isPositive();
        }
        meters.close();
        assertThat(registry.find("pooly.workers").meters()).isEmpty();
        assertThat(registry.find("pooly.checkouts").meters()).isEmpty();
    }

    @Test
    void metersForOnePoolCannotBeBoundToAnother() {
        MeterRegistry registry = new SimpleMeterRegistry();
        PoolMeters meters = PoolMeters.register(registry, "a");
        try (StandalonePool other = Pools.start(PoolSpec.of("b", ProcessSpec.of("b", "cat"), 1, 0), event -> {}, PoolListener.NONE)) {
            assertThatThrownBy(() -> meters.bindTo(other)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("these meters are for pool 'a', not 'b'");
        }
        assertThatThrownBy(() -> PoolMeters.register(registry, " ")).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Bytes allocated on the caller's thread per checkout and checkin of a real pool, with the meters
     * as listener and without (counted with the JVM's per-thread allocation counter over many cycles,
     * never timed). The pool itself adds nothing for a listener (PoolCoreAllocationTest); Micrometer's
     * timers added 0 bytes in one run and 24 (one small object) in another, depending on what the JIT
     * had compiled by then: at most one small object per cycle is what is held here, not zero.
     */
    @Test
    void theMetersAddAtMostOneSmallObjectToACheckoutAndCheckin() {
        double without = bytesPerCycle(PoolListener.NONE);
        double with = bytesPerCycle(PoolMeters.register(new SimpleMeterRegistry(), "alloc"));
        assertThat(with).as("bytes per cycle with the meters, against %s without", without).isLessThanOrEqualTo(without + 32.0);
    }

    private static double bytesPerCycle(PoolListener listener) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        PoolSpec spec = PoolSpec.of("alloc", ProcessSpec.of("alloc", "cat"), 1, 0);
        try (StandalonePool pool = Pools.start(spec, event -> {}, listener)) {
            Waits.await().atMost(PATIENCE).until(() -> pool.status().idle() == 1);
            int cycles = 20_000;
            for (int i = 0; i < cycles; i++) pool.checkout(PATIENCE).close(); // warm up
            long id = Thread.currentThread().threadId();
            long before = threads.getThreadAllocatedBytes(id);
            for (int i = 0; i < cycles; i++) pool.checkout(PATIENCE).close();
            return (threads.getThreadAllocatedBytes(id) - before) / (double) cycles;
        }
    }

    private static void assertAgrees(MeterRegistry registry, PoolStatus status) {
        assertThat(gauge(registry, "pooly.workers", "idle")).as("idle").isEqualTo(status.idle());
        assertThat(gauge(registry, "pooly.workers", "busy")).as("busy").isEqualTo(status.busy());
        assertThat(gauge(registry, "pooly.workers", "starting")).as("starting").isEqualTo(status.starting());
        assertThat(gauge(registry, "pooly.workers.max", null)).as("max").isEqualTo(status.size() + status.maxOverflow());
        assertThat(gauge(registry, "pooly.checkout.waiting", null)).as("waiting").isEqualTo(status.waiting());
    }

    private static double gauge(MeterRegistry registry, String name, String state) {
        var search = registry.get(name).tag("pool", "upper");
        return (state == null ? search : search.tag("state", state)).gauge().value();
    }

    private static double count(MeterRegistry registry, String result) {
        return registry.get("pooly.checkouts").tag("pool", "upper").tag("result", result).counter().count();
    }
}
