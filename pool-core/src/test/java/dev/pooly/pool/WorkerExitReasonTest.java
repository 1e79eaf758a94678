package dev.pooly.pool;

import dev.pooly.supervisor.ExitReason;
import dev.pooly.supervisor.Intensity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.pooly.pool.RunningPool.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Every worker exit reaches {@link Pool#onWorkerExit} once, with its reason. */
@Timeout(60)
class WorkerExitReasonTest {

    @Test
    void crashMaxUsesDiscardAndLeaseTimeoutEachNameTheirReason() {
        PoolSpec spec = RunningPool.cats("reasons", 1, 0).withMaxUses(2).withLeaseTimeout(Duration.ofMillis(300))
                .withIntensity(Intensity.of(100, Duration.ofSeconds(10)));
        try (RunningPool p = RunningPool.start(spec)) {
            List<WorkerExit> exits = new CopyOnWriteArrayList<>();
            p.pool.onWorkerExit(exits::add);

            // SIGTERM from outside: the worker dies on its own terms, a crash (a SIGKILL would count as killed).
            ProcessHandle.of(p.idlePids().iterator().next()).ifPresent(ProcessHandle::destroy);
            await().until(() -> exits.size() == 1);
            p.checkout(Duration.ofSeconds(10)).close();
            p.checkout(Duration.ofSeconds(10)).close(); // its second use: retired
            await().until(() -> exits.size() == 2);
            p.checkout(Duration.ofSeconds(10)).discard();
            await().until(() -> exits.size() == 3);
            Lease held = p.checkout(Duration.ofSeconds(10)); // held past lease_timeout
            await().until(() -> exits.size() == 4);
            held.close();

            assertThat(exits).extracting(WorkerExit::reason).containsExactly(
                    ExitReason.CRASH, ExitReason.MAX_USES, ExitReason.KILLED, ExitReason.LEASE_TIMEOUT);
            assertThat(p.pool.status().lastExit()).isEqualTo(exits.get(3));
            assertThat(exits).allSatisfy(e -> {
                assertThat(e.pool()).isEqualTo("reasons");
                assertThat(e.worker()).startsWith("reasons-");
                assertThat(e.index()).isZero();
            });
        }
    }
}
