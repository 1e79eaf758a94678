package dev.pooly.pool;

import dev.pooly.supervisor.ProcessSpec;
import dev.pooly.supervisor.Shutdown;
import dev.pooly.testing.Pids;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.pooly.pool.RunningPool.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 18's "same shape" paths: a lease that ends while its worker may still be working on a request
 * the pool counted (or could not count) must never hand that answer to the next holder. Each ends the
 * lease a different way: {@code lease_timeout}, a pool restart, a reload's rolling replacement, and a
 * periodic health ping racing checkouts. Workers answer {@code ok:LINE}, 1 s late for {@code slow}
 * lines, so the owed answer is always still on its way when the lease ends.
 */
@Timeout(90)
class InFlightEndingTest {
    private static final Duration PATIENCE = RunningPool.PATIENCE;
    private static final String WORKER = "while read -r l; do case \"$l\" in PING) echo PONG; continue;; *slow*) sleep 1;; esac; echo \"ok:$l\"; done";

    private static PoolSpec slow(String name) {
        return PoolSpec.of(name, ProcessSpec.of(name, "sh", "-c", WORKER).withShutdown(Shutdown.brutalKill()), 1, 0)
                .withOnAbandon(OnAbandon.RETURN);
    }

    @Test
    void leaseTimeoutWithACountedRequestInFlightReplacesTheWorker() {
        try (RunningPool p = RunningPool.start(slow("in-flight-lease-timeout").withLeaseTimeout(Duration.ofMillis(300)))) {
            Lease first = p.checkout();
            first.writeLine("slow-yours");

            assertThatThrownBy(first::readLine).isInstanceOf(LeaseRevokedException.class)
                    .satisfies(e -> assertThat(((LeaseRevokedException) e).reason()).isEqualTo(LeaseRevokedException.Reason.LEASE_TIMEOUT));
            try (Lease next = p.checkout()) {
                assertThat(next.pid()).isNotEqualTo(first.pid());
                assertThat(next.request("mine", PATIENCE)).isEqualTo("ok:mine");
            }
        }
    }

    @Test
    void leaseTimeoutWithARawRequestInFlightReplacesTheWorker() throws Exception {
        try (RunningPool p = RunningPool.start(slow("in-flight-lease-timeout-raw").withLeaseTimeout(Duration.ofMillis(300)))) {
            Lease first = p.checkout();
            first.stdin().write("slow-yours\n".getBytes(StandardCharsets.UTF_8));
            first.stdin().flush();

            Pids.awaitDead(first.pid());
            try (Lease next = p.checkout()) {
                assertThat(next.request("mine", PATIENCE)).isEqualTo("ok:mine");
            }
        }
    }

    @Test
    void poolRestartWithARequestInFlightEndsTheLeaseAndTheNewIncarnationAnswersItsOwn() throws Exception {
        try (RunningPool p = RunningPool.start(slow("in-flight-restart"))) {
            Lease first = p.checkout();
            first.writeLine("slow-yours");

            p.pool.supervisor().killChild("in-flight-restart.server").get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

            p.awaitIdleWorkersOtherThan(1, Set.of(first.pid()));
            assertThatThrownBy(first::readLine).isInstanceOf(LeaseRevokedException.class);
            try (Lease next = p.checkout()) {
                assertThat(next.request("mine", PATIENCE)).isEqualTo("ok:mine");
            }
        }
    }

    /**
     * We test this by reloading the pool's worker settings while a lease waits for a slow answer: the
     * roll may not retire the busy worker before its checkin, and the checkin with the answer still
     * owed must replace it rather than return it; the next holder runs the new settings.
     */
    @Test
    void rollingReplacementOfABusyWorkerWithARequestInFlightNeverLendsItsAnswer() {
        PoolSpec before = slow("in-flight-roll");
        try (RunningPool p = RunningPool.start(before)) {
            Lease first = p.checkout();
            first.writeLine("slow-yours");
            p.pool.reconfigure(new PoolSpec(before.name(), before.worker().withEnv(Map.of("ROLLED", "1")), 1, 0, before.strategy(),
                    before.checkoutTimeout(), before.overflowTtl(), before.maxUses(), before.leaseTimeout(), before.onAbandon(),
                    before.intensity(), before.health(), before.maxMemory()));
            first.close(); // the answer is still owed: replaced, not returned

            try (Lease next = p.checkout()) {
                assertThat(next.pid()).isNotEqualTo(first.pid());
                assertThat(next.request("mine", PATIENCE)).isEqualTo("ok:mine");
            }
            Pids.awaitDead(first.pid());
            await().until(() -> !p.pool.status().workers().isEmpty()
                    && p.pool.status().workers().stream().noneMatch(w -> w.pid() == first.pid()));
        }
    }

    /**
     * We test this by pinging idle workers every 20 ms while a caller checks out and asks, over and
     * over: a health answer ({@code PONG}) must never reach a caller, and no caller's answer may be
     * eaten by a ping.
     */
    @Test
    void healthPingsRacingCheckoutsNeverMixAnswers() throws Exception {
        PoolHealth pings = new PoolHealth("PING", "PONG", Duration.ofMillis(20), Duration.ofSeconds(5), false);
        try (RunningPool p = RunningPool.start(slow("in-flight-health").withHealth(pings))) {
            long firstPid = p.status().workers().get(0).pid();
            CompletableFuture<Void> caller = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 300; i++) {
                    try (Lease lease = p.pool.checkout(PATIENCE)) {
                        assertThat(lease.request("r-" + i, PATIENCE)).isEqualTo("ok:r-" + i);
                    }
                }
            });
            caller.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(p.status().workers()).extracting(PoolStatus.Worker::pid).as("a healthy worker is never replaced").containsExactly(firstPid);
        }
    }
}
