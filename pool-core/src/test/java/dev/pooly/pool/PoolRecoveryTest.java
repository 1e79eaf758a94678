package dev.pooly.pool;

import dev.pooly.testing.Pids;
import dev.pooly.testing.EventLog;

import dev.pooly.supervisor.ChildSpec;
import dev.pooly.supervisor.Intensity;
import dev.pooly.supervisor.ProcessSpec;
import dev.pooly.supervisor.Strategy;
import dev.pooly.supervisor.SupervisionEvent;
import dev.pooly.supervisor.SupervisionTree;
import dev.pooly.supervisor.Supervisor;
import dev.pooly.supervisor.SupervisorSpec;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static dev.pooly.pool.RunningPool.Counts.full;
import static dev.pooly.pool.RunningPool.Counts.overflow;
import static dev.pooly.pool.RunningPool.Counts.ready;
import static dev.pooly.pool.RunningPool.await;
import static dev.pooly.pool.RunningPool.cats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Let it crash: workers that cannot start, workers crashing beyond the pool's intensity, and each
 * level of the pool's subtree killed in turn. The {@link Pool} handle outlives all of it.
 */
@Timeout(60)
class PoolRecoveryTest {

    private static final Duration PATIENCE = RunningPool.PATIENCE;
    private static final String MISSING = "/nonexistent/pooly-no-such-worker";

    @Test
    void workerThatCannotStartFailsTheCheckoutNamingTheCommandAndThePoolStaysUp() {
        try (RunningPool p = RunningPool.start(PoolSpec.of("broken", ProcessSpec.of("broken", MISSING), 0, 1))) {
            assertThatThrownBy(() -> p.checkout(PATIENCE)).isInstanceOf(WorkerStartException.class)
                    .hasMessageContaining(MISSING);

            PoolStatus status = p.status();
            assertThat(RunningPool.Counts.of(status)).as("the failed start freed its overflow slot").isEqualTo(overflow(0, 0));
            assertThat(status.lastError()).contains(MISSING);
            assertThatThrownBy(() -> p.checkout(PATIENCE)).as("a second try fails the same way, it does not hang")
                    .isInstanceOf(WorkerStartException.class);
            assertThat(p.pool.supervisor().termination()).isNotDone();
        }
    }

    @Test
    void poolWhoseWorkersCannotStartKeepsAnswering() {
        // poolboy #122: a worker that fails to start must not crash the pool (or its parent).
        try (RunningPool p = RunningPool.startWithoutWaiting(PoolSpec.of("never-starts",
                ProcessSpec.of("never-starts", MISSING), 1, 0))) {
            await().untilAsserted(() -> assertThat(p.status().lastError()).contains(MISSING));

            Throwable failure = catchThrowable(() -> p.checkout(Duration.ofSeconds(1)));

            assertThat(failure).isInstanceOfAny(WorkerStartException.class, PoolTimeoutException.class);
            if (failure instanceof WorkerStartException) assertThat(failure).hasMessageContaining(MISSING);
            assertThat(p.status().name()).isEqualTo("never-starts");
            assertThat(p.pool.supervisor().termination()).as("the pool's root gave up").isNotDone();
        }
    }

    @Test
    void brokenPoolDoesNotDisturbAnotherPoolInTheSameTree() throws Exception {
        Set<Long> before = Pids.ofThisJvm();
        EventLog events = new EventLog();
        Pools.PoolTree broken = Pools.create(PoolSpec.of("broken-neighbour", ProcessSpec.of("broken-neighbour", MISSING), 0, 1));
        Pools.PoolTree good = Pools.create(cats("good-neighbour", 1, 0));
        Supervisor root = SupervisionTree.start(SupervisorSpec.of("two-pools", Strategy.ONE_FOR_ONE,
                List.<ChildSpec>of(broken.spec(), good.spec())), events);
        Set<Long> seen = new HashSet<>();
        try {
            await().until(() -> good.pool().status().idle() == 1);
            long goodPid = good.pool().status().workers().getFirst().pid();
            seen.add(goodPid);

            assertThatThrownBy(() -> broken.pool().checkout(PATIENCE)).isInstanceOf(WorkerStartException.class)
                    .hasMessageContaining(MISSING);

            try (Lease lease = good.pool().checkout(PATIENCE)) {
                seen.add(lease.pid());
                assertThat(lease.pid()).isEqualTo(goodPid);
                assertThat(lease.request("still fine", PATIENCE)).isEqualTo("still fine");
            }
            assertThat(broken.pool().status().state()).isEqualTo(PoolStatus.State.OVERFLOW);
            assertThat(events.of(SupervisionEvent.Restarting.class)).as("restarts in the tree").isEmpty();
        } finally {
            root.shutdown().get(20, TimeUnit.SECONDS);
            seen.addAll(events.pids());
            seen.addAll(Pids.startedSince(before, List.of("cat")));
            seen.addAll(Pids.startedSince(before, List.of(MISSING)));
            Pids.awaitDead(seen);
        }
    }

    @Test
    void workerCrashesBeyondThePoolsIntensityRestartThePoolAndTheHandleKeepsWorking() {
        // We test this by SIGKILLing every worker, round after round, until the pool's supervisor gives
        // up (more than 2 crashes in 5 s); its parent restarts it, and the same Pool handle lends a
        // worker of the new incarnation.
        String name = "crashy";
        try (RunningPool p = RunningPool.start(cats(name, 2, 0).withIntensity(Intensity.of(2, Duration.ofSeconds(5))))) {
            Set<Long> killed = new HashSet<>();
            for (int round = 0; round < 10 && gaveUp(p, name).isEmpty(); round++) {
                Set<Long> victims = p.workerPids();
                victims.forEach(Pids::sigkill);
                killed.addAll(victims);
                await().until(() -> !gaveUp(p, name).isEmpty()
                        || (p.status().idle() == 2 && p.idlePids().stream().noneMatch(killed::contains)));
            }
            assertThat(gaveUp(p, name)).as("events %s", p.events).isNotEmpty();
            assertThat(p.events.of(SupervisionEvent.Restarting.class)).extracting(SupervisionEvent::id)
                    .as("the pool's subtree restarted").containsAnyOf(name, name + ".workers");

            p.awaitIdleWorkersOtherThan(2, killed);
            p.awaitCounts(ready(2, 0, 0));
            try (Lease lease = p.checkout()) {
                assertThat(lease.request("after the storm", PATIENCE)).isEqualTo("after the storm");
            }
            assertThat(p.pool.supervisor().termination()).isNotDone();
        }
    }

    private static List<SupervisionEvent.GaveUp> gaveUp(RunningPool p, String name) {
        return p.events.of(SupervisionEvent.GaveUp.class).stream()
                .filter(e -> e.id().equals(name) || e.id().equals(name + ".workers")).toList();
    }

    @ParameterizedTest(name = "killing {0} heals the pool")
    @ValueSource(strings = {"heal.server", "heal.workers", "heal"})
    void killingAnyLevelOfThePoolHealsIt(String id) throws Exception {
        try (RunningPool p = RunningPool.start(cats("heal", 2, 1))) {
            Set<Long> old = p.workerPids();

            p.pool.supervisor().killChild(id).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

            p.awaitIdleWorkersOtherThan(2, old);
            p.awaitCounts(ready(2, 0, 0));
            Pids.awaitDead(old);
            try (Lease lease = p.checkout()) {
                assertThat(old).doesNotContain(lease.pid());
                assertThat(lease.request("healed", PATIENCE)).isEqualTo("healed");
            }
            assertThat(p.pool.supervisor().termination()).isNotDone();
        }
    }

    @ParameterizedTest(name = "killing {0} while a worker starts")
    @ValueSource(strings = {"starting.server", "starting.workers", "starting"})
    void killingThePoolWhileAWorkerStartsLeavesNoOrphan(String id) throws Exception {
        // We test this with workers that take 300 ms to become ready, so the kill lands while the
        // pool is still starting them; RunningPool's close proves that no process outlives the pool.
        PoolSpec spec = PoolSpec.of("starting", ProcessSpec.of("starting", "cat")
                .withReadiness(dev.pooly.supervisor.Readiness.delay(Duration.ofMillis(300))), 2, 0);
        Set<Long> before = Pids.ofThisJvm();
        try (RunningPool p = RunningPool.startWithoutWaiting(spec)) {
            assertThat(p.status().starting()).isPositive();
            Pids.startedSince(before, spec.worker().command()).forEach(p::track);

            p.pool.supervisor().killChild(id).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

            p.awaitCounts(ready(2, 0, 0));
            try (Lease lease = p.checkout()) {
                assertThat(lease.request("alive", PATIENCE)).isEqualTo("alive");
            }
        }
    }

    @RepeatedTest(5)
    void closingThePoolWhileReplacementsStartLeavesNoOrphan() {
        // We test this by SIGKILLing both workers and closing the pool as soon as it has seen both exits
        // (the moment it starts their replacements), so the close races those starts; RunningPool's close
        // proves that none of them outlives the pool. The wait is for a state that lasts (the victims
        // are off the books), not for the transient "starting", which a fast restart can skip past.
        try (RunningPool p = RunningPool.start(cats("close-race", 2, 0))) {
            Set<Long> victims = p.workerPids();
            victims.forEach(Pids::sigkill);
            await().until(() -> p.status().workers().stream().noneMatch(w -> victims.contains(w.pid())));
        }
    }

    @RepeatedTest(5)
    void checkoutDuringAPoolRestartWaitsForTheNewIncarnation() throws Exception {
        try (RunningPool p = RunningPool.start(cats("restart-wait", 1, 0))) {
            Set<Long> old = p.workerPids();

            p.pool.supervisor().killChild("restart-wait").get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            try (Lease lease = p.checkout(PATIENCE)) {
                assertThat(old).as("lent pid %d (alive: %s) is a worker of the killed incarnation",
                        lease.pid(), Pids.alive(lease.pid())).doesNotContain(lease.pid());
                assertThat(lease.request("new incarnation", PATIENCE)).isEqualTo("new incarnation");
            }
            p.awaitCounts(ready(1, 0, 0));
        }
    }

    @Test
    void waiterQueuedDuringAPoolRestartIsServedByTheNewIncarnation() throws Exception {
        try (RunningPool p = RunningPool.start(cats("restart-waiter", 1, 0))) {
            Lease held = p.checkout();
            Borrower waiter = p.borrower("waiter", Duration.ofSeconds(10));
            p.awaitCounts(full(1, 0, 1));

            p.pool.supervisor().killChild("restart-waiter.server").get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

            Lease served = waiter.awaitLease();
            assertThat(served.pid()).isNotEqualTo(held.pid());
            assertThat(served.request("served", PATIENCE)).isEqualTo("served");
            p.awaitCounts(full(1, 0, 0));
        }
    }

    @Test
    void leaseHeldAcrossAPoolRestartIsRevoked() throws Exception {
        try (RunningPool p = RunningPool.start(cats("incarnation", 1, 0))) {
            Lease stale = p.checkout();

            p.pool.supervisor().killChild("incarnation.server").get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            p.awaitIdleWorkersOtherThan(1, Set.of(stale.pid()));

            assertThatThrownBy(() -> stale.request("hello?", PATIENCE)).as("using a lease of a stopped incarnation")
                    .isInstanceOfAny(LeaseRevokedException.class, WorkerDiedException.class)
                    .hasMessageContaining("incarnation");
        }
    }

    @Test
    void leaseOfAnEarlierIncarnationIsVoidAndItsCheckinLeavesTheNewOneUndisturbed() throws Exception {
        // We test this by holding a lease while the pool server restarts: the lease's worker went with the
        // old incarnation, so the lease is void; closing it (as try-with-resources will) is quiet, and the
        // new incarnation's books are untouched by it.
        try (RunningPool p = RunningPool.start(cats("old-lease", 1, 0))) {
            Lease stale = p.checkout();

            p.pool.supervisor().killChild("old-lease.server").get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            p.awaitIdleWorkersOtherThan(1, Set.of(stale.pid()));

            Throwable checkin = catchThrowable(stale::close);

            p.awaitSettled();
            assertThat(p.counts()).as("the new incarnation is undisturbed").isEqualTo(ready(1, 0, 0));
            try (Lease fresh = p.checkout()) {
                assertThat(fresh.pid()).isNotEqualTo(stale.pid());
            }
            assertThat(checkin).as("closing a void lease is quiet").isNull();
            assertThat(stale.isAlive()).as("the stale lease is void").isFalse();
        }
    }

    @Test
    void checkoutOnAClosedPoolFailsAtOnceWithPoolClosed() {
        try (RunningPool p = RunningPool.start(cats("shut-down", 1, 0))) {
            p.pool.close();

            long start = System.nanoTime();
            assertThatThrownBy(() -> p.checkout(PATIENCE)).isInstanceOf(PoolClosedException.class)
                    .hasMessageContaining("closed");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("time to refuse").isLessThan(Duration.ofSeconds(1));
            assertThatThrownBy(p::tryCheckout).isInstanceOf(PoolClosedException.class);
        }
    }

    @Test
    void closingThePoolReleasesItsWaitersWithPoolClosed() {
        try (RunningPool p = RunningPool.start(cats("closing", 1, 0))) {
            Lease held = p.checkout();
            Borrower waiter = p.borrower("waiter", Duration.ofSeconds(8)); // longer than the 5 s the test waits
            p.awaitCounts(full(1, 0, 1));

            p.pool.close();

            assertThat(waiter.awaitCheckoutFailure()).isInstanceOf(PoolClosedException.class);
            Pids.awaitDead(held.pid());
        }
    }
}
