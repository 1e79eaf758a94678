package dev.pooly.pool;

import dev.pooly.testing.Pids;

import dev.pooly.supervisor.ProcessSpec;
import dev.pooly.supervisor.Readiness;
import dev.pooly.supervisor.Shutdown;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.Set;

import static dev.pooly.pool.RunningPool.Counts.full;
import static dev.pooly.pool.RunningPool.Counts.ready;
import static dev.pooly.pool.RunningPool.cats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A worker's life around its leases: readiness before the first lease, exiting on its own in the
 * middle of a request, and abandonment while callers queue for it.
 */
@Timeout(60)
class WorkerLifeTest {

    private static final Duration PATIENCE = RunningPool.PATIENCE;

    @Test
    void readinessLineIsConsumedAndNotPartOfTheChannel() {
        PoolSpec spec = PoolSpec.of("ready-line", ProcessSpec.of("ready-line", "sh", "-c", "echo READY; exec cat")
                .withReadiness(Readiness.line("READY", PATIENCE)), 1, 0);
        try (RunningPool p = RunningPool.start(spec);
             Lease lease = p.checkout()) {
            assertThat(lease.request("first", PATIENCE)).isEqualTo("first");
        }
    }

    @Test
    void checkoutWaitsForAWorkerThatIsStillStarting() {
        PoolSpec spec = PoolSpec.of("slow-start", ProcessSpec.of("slow-start", "cat")
                .withReadiness(Readiness.delay(Duration.ofMillis(400))), 1, 0);
        try (RunningPool p = RunningPool.startWithoutWaiting(spec)) {
            assertThat(p.status().starting()).as("right after start, %s", p.status()).isEqualTo(1);
            assertThat(p.status().idle()).isZero();

            try (Lease lease = p.checkout(PATIENCE)) {
                assertThat(lease.request("worth the wait", PATIENCE)).isEqualTo("worth the wait");
            }
            p.awaitCounts(ready(1, 0, 0));
        }
    }

    @Test
    void workerExitingInTheMiddleOfARequestFailsItWithWorkerDiedAndIsReplaced() {
        PoolSpec spec = PoolSpec.of("quitter", ProcessSpec.of("quitter", "sh", "-c", "read line; exit 3"), 1, 0);
        try (RunningPool p = RunningPool.start(spec)) {
            Lease lease = p.checkout();

            assertThatThrownBy(() -> lease.request("bye", PATIENCE)).isInstanceOf(WorkerDiedException.class)
                    .hasMessageContaining("quitter");

            p.awaitIdleWorkersOtherThan(1, Set.of(lease.pid()));
            lease.close();
            p.awaitCounts(ready(1, 0, 0));
        }
    }

    @Test
    void idleWorkerExitingOnItsOwnIsReplaced() {
        // We test this with a worker that lives 300 ms whatever happens: the pool keeps replacing it,
        // so there is always one idle worker, and each is a new process.
        PoolSpec spec = PoolSpec.of("short-lived", ProcessSpec.of("short-lived", "sh", "-c", "sleep 0.3")
                .withShutdown(Shutdown.brutalKill()), 1, 0);
        try (RunningPool p = RunningPool.start(spec)) {
            Set<Long> first = p.idlePids();
            p.awaitIdleWorkersOtherThan(1, first);
            assertThat(p.pool.supervisor().termination()).isNotDone();
        }
    }

    @ParameterizedTest
    @EnumSource(OnAbandon.class)
    void abandonedWorkerGoesToTheFirstWaiter(OnAbandon onAbandon) {
        try (RunningPool p = RunningPool.start(cats("abandon-to-waiter", 1, 0).withOnAbandon(onAbandon))) {
            Borrower owner = p.borrower("owner", PATIENCE);
            long pid = owner.awaitLease().pid();
            Borrower waiter = p.borrower("waiter", PATIENCE);
            p.awaitCounts(full(1, 0, 1));

            owner.vanish();

            Lease served = waiter.awaitLease();
            if (onAbandon == OnAbandon.RETURN) {
                assertThat(served.pid()).as("the same worker, returned").isEqualTo(pid);
            } else {
                assertThat(served.pid()).as("a replacement").isNotEqualTo(pid);
                Pids.awaitDead(pid);
            }
            assertThat(served.request("mine now", PATIENCE)).isEqualTo("mine now");
            p.awaitCounts(full(1, 0, 0));
        }
    }

    @Test
    void revokedLeaseHandsAReplacementToTheFirstWaiter() {
        try (RunningPool p = RunningPool.start(cats("revoke-to-waiter", 1, 0).withLeaseTimeout(Duration.ofMillis(300)))) {
            Lease hog = p.checkout();
            Borrower waiter = p.borrower("waiter", PATIENCE);

            Lease served = waiter.awaitLease();

            assertThat(served.pid()).isNotEqualTo(hog.pid());
            assertThatThrownBy(() -> hog.request("mine?", PATIENCE)).isInstanceOf(LeaseRevokedException.class);
            assertThat(served.request("mine", PATIENCE)).isEqualTo("mine");
        }
    }
}
