package dev.pooly.pool.internal;

import dev.pooly.pool.OnAbandon;
import dev.pooly.pool.PoolClosedException;
import dev.pooly.pool.PoolListener;
import dev.pooly.pool.PoolStrategy;
import dev.pooly.pool.internal.PoolCoreModelTest.Fake;
import dev.pooly.pool.internal.PoolCoreModelTest.FakeSource;
import dev.pooly.pool.internal.PoolCoreModelTest.ManualClock;
import dev.pooly.supervisor.Intensity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What one checkout and checkin allocate on the caller's thread: the lease object and nothing else,
 * whether or not a {@link PoolListener} is bound (issue 12: metrics add no allocation to the checkout
 * path). Bytes are counted with the JVM's per-thread allocation counter over many cycles, never
 * timed, and compared with the bytes of as many bare lease objects counted the same way, so the
 * test holds on any heap layout. The bookkeeping benchmark ({@code -prof gc}) shows the same figure
 * for compiled code; this test runs mostly interpreted, where nothing is optimised away, so it is
 * the stricter of the two.
 */
class PoolCoreAllocationTest {
    private static final int CYCLES = 20_000;
    /** One Duration for every checkout: the test's own garbage must not be counted. */
    private static final Duration WAIT = Duration.ofSeconds(5);
    /** Bytes per cycle tolerated above the lease: one-time costs (linkage, class loading) spread over CYCLES. */
    private static final double SLACK = 2.0;
    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Keeps the reference leases reachable, so that no compiler can drop their allocation. */
    private static volatile Object sink;

    private PoolCore<Fake> pool;

    @AfterEach
    void close() {
        if (pool != null) pool.close(new PoolClosedException("test over"));
    }

    @Test
    void aCheckoutAndCheckinAllocateTheLeaseAndNothingElse() {
        pool = pool(PoolListener.NONE);
        assertThat(bytesPerCycle(pool)).isLessThanOrEqualTo(leaseBytes(pool) + SLACK);
    }

    @Test
    void aListenerAddsNoAllocationToCheckoutAndCheckin() {
        Counting listener = new Counting();
        pool = pool(listener);
        double withListener = bytesPerCycle(pool);
        assertThat(listener.checkouts).as("checkouts the listener saw").isEqualTo(2L * CYCLES); // warm-up and measured
        assertThat(listener.leases).as("leases the listener saw end").isEqualTo(2L * CYCLES);
        assertThat(listener.heldNanos).as("lease time the listener saw").isPositive();
        assertThat(withListener).isLessThanOrEqualTo(leaseBytes(pool) + SLACK);
    }

    /** Counts what it is told in plain fields (one thread calls it here): allocates nothing itself. */
    private static final class Counting implements PoolListener {
        long checkouts, leases, heldNanos;

        @Override public void checkout(CheckoutResult result, long waitNanos) {
            if (result == CheckoutResult.OK && waitNanos == 0) checkouts++;
        }

        @Override public void leaseEnded(long heldNanos) {
            leases++;
            this.heldNanos += Math.max(0, heldNanos);
        }
    }

    /** Two idle in-JVM workers, LIFO, nothing that runs on a timer (manual clock), as in the benchmark. */
    private static PoolCore<Fake> pool(PoolListener listener) {
        PoolCore.Settings settings = new PoolCore.Settings("alloc", "in-jvm", 2, 0, PoolStrategy.LIFO, Duration.ZERO,
                0, Duration.ZERO, OnAbandon.RETURN, Intensity.of(5, Duration.ofSeconds(5)));
        PoolCore<Fake> core = new PoolCore<>(settings, new FakeSource(), reason -> {}, new ManualClock(), listener);
        core.fill(); // the fake source's workers are ready at once
        assertThat(core.status().idle()).isEqualTo(2);
        return core;
    }

    /** Average bytes the calling thread allocates per checkout + checkin, after as many cycles of warm-up. */
    private static double bytesPerCycle(PoolCore<Fake> core) {
        cycles(core); // links call sites, loads classes, lets the JIT start
        long before = THREADS.getCurrentThreadAllocatedBytes();
        cycles(core);
        return (double) (THREADS.getCurrentThreadAllocatedBytes() - before) / CYCLES;
    }

    private static void cycles(PoolCore<Fake> core) {
        for (int i = 0; i < CYCLES; i++) {
            Grant<Fake> grant = core.checkout(WAIT, false);
            core.checkin(grant);
        }
    }

    /** Bytes of one lease object on this JVM, counted the same way. */
    private static double leaseBytes(PoolCore<Fake> core) {
        Worker<Fake> worker = new Worker<>(new Fake(-1), -1, 0, "ref");
        Thread me = Thread.currentThread();
        for (int i = 0; i < CYCLES; i++) sink = new Grant<>(core, worker, me, i);
        long before = THREADS.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < CYCLES; i++) sink = new Grant<>(core, worker, me, i);
        return (double) (THREADS.getCurrentThreadAllocatedBytes() - before) / CYCLES;
    }
}
