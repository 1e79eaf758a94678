package dev.pooly.pool;

import dev.pooly.supervisor.ProcessSpec;
import dev.pooly.testing.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A health ping is not use. We test this with a real pool of {@code cat} whose health check runs
 * every 100 ms, far more often than anything else here: overflow workers still go after their
 * {@code overflow_ttl} (a ping once re-armed the ttl, so they stayed for good), and the pings are not
 * leases to the pool's listener ({@code pooly_lease_seconds} once counted thousands of them).
 */
class HealthPingIsNotUseTest {
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final PoolHealth OFTEN = new PoolHealth("ping", "ping", Duration.ofMillis(100), Duration.ofSeconds(2), false);

    @Test
    void overflowWorkersLeaveAfterTheirTtlThoughHealthChecksRunMoreOften() {
        PoolSpec spec = PoolSpec.of("often", ProcessSpec.of("often", "cat"), 1, 2)
                .withOverflowTtl(Duration.ofMillis(800)).withHealth(OFTEN);
        try (StandalonePool pool = Pools.start(spec, e -> {}, PoolListener.NONE)) {
            Waits.await().atMost(PATIENCE).until(() -> pool.status().idle() == 1);
            Lease a = pool.checkout(PATIENCE);
            Lease b = pool.checkout(PATIENCE);
            Lease c = pool.checkout(PATIENCE);
            assertThat(pool.status().overflow()).isEqualTo(2);
            a.close();
            b.close();
            c.close();
            // Pinged every 100 ms all along, the two overflow workers still leave about 800 ms after their checkin.
            Waits.await().atMost(PATIENCE).until(() -> pool.status().overflow() == 0 && pool.status().workers().size() == 1);
            assertThat(pool.status().idle()).isEqualTo(1);
        }
    }

    @Test
    void healthChecksAreNotLeasesToTheListener(@TempDir Path dir) {
        AtomicInteger leases = new AtomicInteger();
        AtomicInteger checkouts = new AtomicInteger();
        PoolListener counting = new PoolListener() {
            @Override public void checkout(CheckoutResult result, long waitNanos) { checkouts.incrementAndGet(); }
            @Override public void leaseEnded(long heldNanos) { leases.incrementAndGet(); }
        };
        Path pings = dir.resolve("pings");
        PoolSpec spec = PoolSpec.of("counted", ProcessSpec.of("counted", "sh", "-c",
                "while read l; do echo \"$l\"; [ \"$l\" = ping ] && echo x >> '" + pings + "'; done"), 1, 0).withHealth(OFTEN);
        try (StandalonePool pool = Pools.start(spec, e -> {}, counting)) {
            Waits.await().atMost(PATIENCE).until(() -> pool.status().idle() == 1);
            try (Lease lease = pool.checkout(PATIENCE)) {
                assertThat(lease.request("hi", PATIENCE)).isEqualTo("hi");
            }
            // Several rounds of pings, each a real request the worker answered.
            Waits.await().atMost(PATIENCE).until(() -> Files.exists(pings) && Files.readAllLines(pings).size() >= 5);
            Waits.await().atMost(PATIENCE).until(() -> pool.status().idle() == 1);
            assertThat(checkouts.get()).as("checkouts the listener saw").isEqualTo(1);
            assertThat(leases.get()).as("leases the listener saw end").isEqualTo(1);
        }
    }
}
