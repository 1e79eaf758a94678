package dev.pooly.pool;

import dev.pooly.supervisor.Backoff;
import dev.pooly.supervisor.Intensity;
import dev.pooly.supervisor.ProcessSpec;
import dev.pooly.testing.Pids;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Set;

import static dev.pooly.pool.RunningPool.await;
import static dev.pooly.pool.RunningPool.during;
import static org.assertj.core.api.Assertions.assertThat;

/** Backoff for pool workers: a worker that crashes soon after it became ready is replaced after a delay. */
@Timeout(60)
class WorkerBackoffTest {

    /** A delay no test could mistake for an immediate replacement. */
    private static final Backoff SLOW = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(30), 2, 0);

    private static PoolSpec cats(String name, Backoff backoff) {
        return PoolSpec.of(name, ProcessSpec.of(name, "cat").withBackoff(backoff), 1, 0)
                .withIntensity(Intensity.of(100, Duration.ofSeconds(10)));
    }

    @Test
    void workerKilledAfterMinUptimeIsReplacedWithoutDelay() {
        try (RunningPool p = RunningPool.start(cats("steady", SLOW))) {
            Set<Long> first = p.idlePids();
            during(Duration.ofMillis(1300)).until(() -> p.idlePids().equals(first));

            first.forEach(Pids::sigkill);

            // A 30 s backoff would blow this wait.
            assertThat(p.awaitIdleWorkersOtherThan(1, first)).hasSize(1);
        }
    }

    @Test
    void workerKilledSoonAfterItStartedIsReplacedOnlyAfterTheDelayAndACallerWaitsForIt() throws Exception {
        Backoff twoSeconds = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(2), 2, 0);
        try (RunningPool p = RunningPool.start(cats("flaky", twoSeconds))) {
            Set<Long> first = p.idlePids();
            first.forEach(Pids::sigkill);

            await().untilAsserted(() -> assertThat(p.status().starting()).isEqualTo(1));
            long killedAt = System.nanoTime();
            during(Duration.ofMillis(1000)).until(() -> p.status().idle() == 0);
            // A caller queued during the delay gets the replacement.
            try (Lease lease = p.checkout(Duration.ofSeconds(10))) {
                assertThat(first).doesNotContain(lease.pid());
                assertThat(Duration.ofNanos(System.nanoTime() - killedAt)).isGreaterThanOrEqualTo(Duration.ofMillis(1000));
            }
        }
    }
}
