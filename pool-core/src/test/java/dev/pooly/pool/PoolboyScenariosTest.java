package dev.pooly.pool;

import dev.pooly.testing.Pids;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static dev.pooly.pool.RunningPool.Counts.full;
import static dev.pooly.pool.RunningPool.Counts.overflow;
import static dev.pooly.pool.RunningPool.Counts.ready;
import static dev.pooly.pool.RunningPool.cats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Every scenario of poolboy's own suite ({@code test/poolboy_tests.erl}), on real {@code cat} workers.
 * Each test names the poolboy test it stands for. Where poolboy counts monitors, these tests count
 * {@code busy} and {@code waiting}: a Pooly lease is poolboy's monitored checkout, a queued caller its
 * monitored waiter. poolboy's {@code extend_one}/{@code shrink_one} have no counterpart in Pooly's API.
 *
 * <p>Counters are written in the contract's JSON order: state, idle, busy, overflow, waiting.
 */
@Timeout(60)
class PoolboyScenariosTest {

    private static final Duration PATIENCE = RunningPool.PATIENCE;

    private static Set<Long> pidsOf(List<Lease> leases) {
        return leases.stream().map(Lease::pid).collect(Collectors.toSet());
    }

    /** pool_startup. */
    @Test
    void startsSizeWorkersUpFrontAndLendsThemOneAtATime() {
        try (RunningPool p = RunningPool.start(cats("startup", 10, 5))) {
            assertThat(p.idlePids()).hasSize(10);

            Lease first = p.checkout();
            assertThat(p.counts()).isEqualTo(ready(9, 1, 0));
            Lease second = p.checkout();
            assertThat(p.counts()).isEqualTo(ready(8, 2, 0));
            assertThat(second.pid()).isNotEqualTo(first.pid());

            second.close();
            p.awaitCounts(ready(9, 1, 0));
            assertThat(p.idlePids()).contains(second.pid()).doesNotContain(first.pid());
            first.close();
            p.awaitCounts(ready(10, 0, 0));
        }
    }

    /** pool_overflow. */
    @Test
    void overflowWorkersStartOnDemandAndAreDismissedAtCheckin() {
        try (RunningPool p = RunningPool.start(cats("overflow", 5, 5))) {
            List<Lease> leases = p.checkout(7);
            assertThat(pidsOf(leases)).hasSize(7);
            assertThat(p.counts()).isEqualTo(overflow(7, 2));

            leases.get(0).close();
            leases.get(1).close();
            p.awaitCounts(overflow(5, 0));
            assertThat(p.workerPids()).hasSize(5);

            leases.get(2).close();
            leases.get(3).close();
            p.awaitCounts(ready(2, 3, 0));
            leases.get(4).close();
            leases.get(5).close();
            p.awaitCounts(ready(4, 1, 0));
            leases.get(6).close();
            p.awaitCounts(ready(5, 0, 0));
            p.awaitSettled();
            assertThat(p.workerPids()).hasSize(5);
        }
    }

    /** pool_empty. */
    @Test
    void waiterOnAFullPoolGetsTheFirstWorkerCheckedIn() {
        try (RunningPool p = RunningPool.start(cats("empty", 5, 2))) {
            List<Lease> leases = p.checkout(7);
            assertThat(p.counts()).isEqualTo(full(7, 2, 0));

            Borrower waiter = p.borrower("waiter", PATIENCE);
            p.awaitCounts(full(7, 2, 1));
            assertThat(waiter.served()).as("served while the pool is full").isFalse();

            leases.get(0).close();
            assertThat(waiter.awaitLease().pid()).as("the worker checked in goes straight to the waiter")
                    .isEqualTo(leases.get(0).pid());
            p.awaitCounts(full(7, 2, 0));
            waiter.checkin();
            leases.get(1).close();
            p.awaitCounts(overflow(5, 0));

            leases.get(2).close();
            leases.get(3).close();
            p.awaitCounts(ready(2, 3, 0));
            leases.get(4).close();
            leases.get(5).close();
            p.awaitCounts(ready(4, 1, 0));
            leases.get(6).close();
            p.awaitCounts(ready(5, 0, 0));
        }
    }

    /** pool_empty_no_overflow. */
    @Test
    void waiterOnAFullPoolWithoutOverflowGetsTheFirstWorkerCheckedIn() {
        try (RunningPool p = RunningPool.start(cats("empty-no-overflow", 5, 0))) {
            List<Lease> leases = p.checkout(5);
            assertThat(p.counts()).isEqualTo(full(5, 0, 0));

            Borrower waiter = p.borrower("waiter", PATIENCE);
            p.awaitCounts(full(5, 0, 1));
            assertThat(waiter.served()).as("served while the pool is full").isFalse();

            leases.get(0).close();
            assertThat(waiter.awaitLease().pid()).isEqualTo(leases.get(0).pid());
            waiter.checkin();
            p.awaitCounts(ready(1, 4, 0));
            leases.get(1).close();
            p.awaitCounts(ready(2, 3, 0));
            leases.get(2).close();
            leases.get(3).close();
            p.awaitCounts(ready(4, 1, 0));
            leases.get(4).close();
            p.awaitCounts(ready(5, 0, 0));
            assertThat(p.workerPids()).hasSize(5);
        }
    }

    /** worker_death: dead workers are replaced only while no overflow worker could take their place. */
    @Test
    void deadWorkerIsReplacedUnlessItsDeathFreesAnOverflowSlot() {
        try (RunningPool p = RunningPool.start(cats("worker-death", 5, 2))) {
            Lease doomed = p.checkout();
            Pids.sigkill(doomed.pid());
            p.awaitIdleWorkersOtherThan(5, Set.of(doomed.pid()));
            p.awaitCounts(ready(5, 0, 0));

            List<Lease> leases = p.checkout(7);
            assertThat(p.counts()).isEqualTo(full(7, 2, 0));
            Pids.sigkill(leases.get(0).pid());
            p.awaitCounts(overflow(6, 1));
            Pids.sigkill(leases.get(1).pid());
            Pids.sigkill(leases.get(2).pid());
            p.awaitCounts(ready(1, 4, 0));
            p.awaitSettled();
            assertThat(p.workerPids()).hasSize(5)
                    .doesNotContain(leases.get(0).pid(), leases.get(1).pid(), leases.get(2).pid());

            // Closing a dead worker's lease must neither fail nor bring the dead worker back.
            leases.get(0).close();
            leases.get(1).close();
            leases.get(2).close();
            p.awaitSettled();
            assertThat(p.counts()).isEqualTo(ready(1, 4, 0));
        }
    }

    /** worker_death_while_full. */
    @Test
    void workerDeathWhileFullServesTheWaiterAndLaterFreesAnOverflowSlot() {
        try (RunningPool p = RunningPool.start(cats("death-while-full", 5, 2))) {
            Lease doomed = p.checkout();
            Pids.sigkill(doomed.pid());
            p.awaitIdleWorkersOtherThan(5, Set.of(doomed.pid()));

            List<Lease> leases = p.checkout(7);
            assertThat(p.counts()).isEqualTo(full(7, 2, 0));
            Borrower waiter = p.borrower("waiter", PATIENCE);
            p.awaitCounts(full(7, 2, 1));
            assertThat(waiter.served()).isFalse();

            Pids.sigkill(leases.get(0).pid());
            assertThat(waiter.awaitLease().pid()).as("a new worker for the waiter")
                    .isNotIn(pidsOf(leases)).isNotEqualTo(doomed.pid());
            p.awaitCounts(full(7, 2, 0));

            Pids.sigkill(leases.get(1).pid());
            p.awaitCounts(overflow(6, 1));
            p.awaitSettled();
            assertThat(p.workerPids()).hasSize(6);
        }
    }

    /** worker_death_while_full_no_overflow. */
    @Test
    void workerDeathWhileFullWithoutOverflowServesTheWaiterThenRefillsTheIdleWorkers() {
        try (RunningPool p = RunningPool.start(cats("death-while-full-no-overflow", 5, 0))) {
            Lease doomed = p.checkout();
            Pids.sigkill(doomed.pid());
            p.awaitIdleWorkersOtherThan(5, Set.of(doomed.pid()));

            List<Lease> leases = p.checkout(5);
            Borrower waiter = p.borrower("waiter", PATIENCE);
            p.awaitCounts(full(5, 0, 1));

            Pids.sigkill(leases.get(0).pid());
            assertThat(waiter.awaitLease().pid()).isNotIn(pidsOf(leases));
            p.awaitCounts(full(5, 0, 0));
            Pids.sigkill(leases.get(1).pid());
            p.awaitCounts(ready(1, 4, 0));
            Pids.sigkill(leases.get(2).pid());
            p.awaitCounts(ready(2, 3, 0));
            p.awaitSettled();
            assertThat(p.workerPids()).hasSize(5);
        }
    }

    /** pool_full_nonblocking_no_overflow. */
    @Test
    void tryCheckoutIsEmptyWhenFullWithoutOverflow() {
        try (RunningPool p = RunningPool.start(cats("nonblocking-no-overflow", 5, 0))) {
            List<Lease> leases = p.checkout(5);
            assertThat(p.tryCheckout()).isEmpty();
            assertThat(p.tryCheckout()).isEmpty();

            leases.get(0).close();
            Lease again = p.checkout();
            assertThat(again.pid()).isEqualTo(leases.get(0).pid());
            assertThat(p.counts()).isEqualTo(full(5, 0, 0));
        }
    }

    /** pool_full_nonblocking. */
    @Test
    void tryCheckoutIsEmptyWhenFullAndStartsAnOverflowWorkerOnceASlotIsFree() {
        try (RunningPool p = RunningPool.start(cats("nonblocking", 5, 5))) {
            List<Lease> leases = p.checkout(10);
            assertThat(p.counts()).isEqualTo(full(10, 5, 0));
            assertThat(p.tryCheckout()).isEmpty();

            Lease first = leases.get(0);
            first.close();
            Pids.awaitDead(first.pid()); // checked in while overflow > 0: dismissed
            p.awaitCounts(overflow(9, 4));

            Lease fresh = p.tryCheckout().orElseThrow(() -> new AssertionError("no overflow worker: " + p.status()));
            assertThat(fresh.pid()).isNotIn(pidsOf(leases));
            assertThat(p.tryCheckout()).isEmpty();
            assertThat(p.counts()).isEqualTo(full(10, 5, 0));
        }
    }

    /** owner_death. */
    @Test
    void workerOfAnOwnerThatDiedComesBack() {
        try (RunningPool p = RunningPool.start(cats("owner-death", 5, 5))) {
            Borrower owner = p.borrower("owner", PATIENCE);
            owner.awaitLease();
            assertThat(p.counts()).isEqualTo(ready(4, 1, 0));

            owner.vanish();
            p.awaitCounts(ready(5, 0, 0));
            p.awaitSettled();
            assertThat(p.workerPids()).hasSize(5);
        }
    }

    /** checkin_after_exception_in_transaction. */
    @Test
    void transactionChecksInAfterAnException() {
        try (RunningPool p = RunningPool.start(cats("tx-exception", 2, 0))) {
            Set<Long> workers = p.idlePids();
            Exception onTheGround = new Exception("it on the ground");

            Throwable thrown = catchThrowable(() -> p.pool.transaction(lease -> {
                assertThat(workers).contains(lease.pid());
                assertThat(p.counts()).isEqualTo(ready(1, 1, 0));
                throw onTheGround;
            }));

            assertThat(thrown).isSameAs(onTheGround);
            p.awaitCounts(ready(2, 0, 0));
            assertThat(p.idlePids()).as("an ordinary exception does not discard the worker").isEqualTo(workers);
        }
    }

    /** pool_returns_status, (size, max_overflow) = (2, 0). */
    @Test
    void statusOfAPoolWithoutOverflow() {
        try (RunningPool p = RunningPool.start(cats("status-2-0", 2, 0))) {
            assertThat(p.counts()).isEqualTo(ready(2, 0, 0));
            p.checkout();
            assertThat(p.counts()).isEqualTo(ready(1, 1, 0));
            p.checkout();
            assertThat(p.counts()).isEqualTo(full(2, 0, 0));
            assertThat(p.status()).extracting(PoolStatus::size, PoolStatus::maxOverflow).containsExactly(2, 0);
        }
    }

    /** pool_returns_status, (1, 1). */
    @Test
    void statusOfAPoolWithOneWorkerAndOneOverflow() {
        try (RunningPool p = RunningPool.start(cats("status-1-1", 1, 1))) {
            assertThat(p.counts()).isEqualTo(ready(1, 0, 0));
            p.checkout();
            assertThat(p.counts()).isEqualTo(overflow(1, 0));
            p.checkout();
            assertThat(p.counts()).isEqualTo(full(2, 1, 0));
            assertThat(p.status()).extracting(PoolStatus::size, PoolStatus::maxOverflow).containsExactly(1, 1);
        }
    }

    /** pool_returns_status, (0, 2). */
    @Test
    void statusOfAPoolOfOverflowWorkersOnly() {
        try (RunningPool p = RunningPool.start(cats("status-0-2", 0, 2))) {
            assertThat(p.counts()).isEqualTo(overflow(0, 0));
            assertThat(p.workerPids()).isEmpty();
            p.checkout();
            assertThat(p.counts()).isEqualTo(overflow(1, 1));
            p.checkout();
            assertThat(p.counts()).isEqualTo(full(2, 2, 0));
        }
    }

    /** pool_returns_status, (0, 0). */
    @Test
    void statusOfAPoolWithoutWorkersIsFull() {
        try (RunningPool p = RunningPool.start(cats("status-0-0", 0, 0))) {
            assertThat(p.counts()).isEqualTo(full(0, 0, 0));
            assertThat(p.tryCheckout()).isEmpty();
            assertThatThrownBy(() -> p.checkout(Duration.ofMillis(50))).isInstanceOf(PoolTimeoutException.class);
            assertThat(p.counts()).isEqualTo(full(0, 0, 0));
        }
    }

    /** demonitors_previously_waiting_processes. */
    @Test
    void servedWaiterLeavesTheQueue() {
        try (RunningPool p = RunningPool.start(cats("served-waiter", 1, 0))) {
            Borrower first = p.borrower("first", PATIENCE);
            long pid = first.awaitLease().pid();
            Borrower second = p.borrower("second", PATIENCE);
            p.awaitCounts(full(1, 0, 1));

            first.checkin();
            assertThat(second.awaitLease().pid()).isEqualTo(pid);
            assertThat(p.counts()).isEqualTo(full(1, 0, 0));
            second.checkin();
            p.awaitCounts(ready(1, 0, 0));
            assertThat(p.idlePids()).containsExactly(pid);
        }
    }

    /** demonitors_when_checkout_cancelled. */
    @Test
    void checkoutTimesOutWithoutLeakingTheWorker() {
        try (RunningPool p = RunningPool.start(cats("cancelled", 1, 0))) {
            Lease held = p.checkout();

            long start = System.nanoTime();
            assertThatThrownBy(() -> p.checkout(Duration.ofMillis(200)))
                    .isInstanceOf(PoolTimeoutException.class).hasMessageContaining("cancelled");
            Duration waited = Duration.ofNanos(System.nanoTime() - start);
            assertThat(waited).isBetween(Duration.ofMillis(190), Duration.ofSeconds(3));
            assertThat(p.counts()).as("the timed-out caller left the queue").isEqualTo(full(1, 0, 0));

            held.close();
            p.awaitCounts(ready(1, 0, 0));
            assertThat(p.idlePids()).as("the worker is idle again, not handed to the gone caller").containsExactly(held.pid());
        }
    }

    /** default_strategy_lifo. */
    @Test
    void lifoIsTheDefaultStrategy() {
        PoolSpec spec = cats("default-lifo", 2, 0);
        assertThat(spec.strategy()).isEqualTo(PoolStrategy.LIFO);
        try (RunningPool p = RunningPool.start(spec)) {
            Lease first = p.checkout();
            first.close();
            try (Lease again = p.checkout()) {
                assertThat(again.pid()).isEqualTo(first.pid());
            }
        }
    }

    /** lifo_strategy. */
    @Test
    void lifoLendsTheWorkerCheckedInLast() {
        try (RunningPool p = RunningPool.start(cats("lifo", 2, 0).withStrategy(PoolStrategy.LIFO))) {
            Lease first = p.checkout();
            Lease second = p.checkout();
            second.close();
            first.close();
            try (Lease again = p.checkout()) {
                assertThat(again.pid()).isEqualTo(first.pid());
            }
        }
    }

    /** fifo_strategy. */
    @Test
    void fifoLendsTheWorkerIdleLongest() {
        try (RunningPool p = RunningPool.start(cats("fifo", 2, 0).withStrategy(PoolStrategy.FIFO))) {
            Lease first = p.checkout();
            first.close();
            Lease second = p.checkout();
            assertThat(second.pid()).isNotEqualTo(first.pid());
            Lease third = p.checkout();
            assertThat(third.pid()).isEqualTo(first.pid());
        }
    }

    /** reuses_waiting_monitor_on_worker_exit. */
    @Test
    void workerDeathServesTheWaiterWithAReplacement() {
        try (RunningPool p = RunningPool.start(cats("death-serves-waiter", 1, 0))) {
            Lease first = p.checkout();
            Borrower waiter = p.borrower("waiter", PATIENCE);
            p.awaitCounts(full(1, 0, 1));

            Pids.sigkill(first.pid());
            assertThat(waiter.awaitLease().pid()).isNotEqualTo(first.pid());
            assertThat(p.counts()).isEqualTo(full(1, 0, 0));
            assertThatThrownBy(() -> first.request("anyone there?", Duration.ofSeconds(2)))
                    .isInstanceOf(WorkerDiedException.class);
        }
    }

    /** transaction_timeout_without_exit: a zero timeout either gets the idle worker or times out, never leaks it. */
    @Test
    void transactionWithZeroTimeoutNeverLeaksTheWorker() {
        try (RunningPool p = RunningPool.start(cats("tx-zero-timeout", 1, 0))) {
            Set<Long> workers = p.idlePids();

            Throwable thrown = catchThrowable(() -> p.pool.transaction(Duration.ZERO,
                    lease -> lease.request("work", PATIENCE)));

            assertThat(thrown).satisfiesAnyOf(t -> assertThat(t).isNull(),
                    t -> assertThat(t).isInstanceOf(PoolTimeoutException.class));
            p.awaitCounts(ready(1, 0, 0));
            assertThat(p.idlePids()).isEqualTo(workers);
        }
    }

    /** transaction_timeout. */
    @Test
    void transactionTimesOutWithoutRunningItsWorkOrLeakingTheWorker() {
        try (RunningPool p = RunningPool.start(cats("tx-timeout", 1, 0))) {
            Lease held = p.checkout();
            AtomicBoolean ran = new AtomicBoolean();

            assertThatThrownBy(() -> p.pool.transaction(Duration.ofMillis(100), lease -> ran.getAndSet(true)))
                    .isInstanceOf(PoolTimeoutException.class);

            assertThat(ran).isFalse();
            assertThat(p.counts()).isEqualTo(full(1, 0, 0));
            held.close();
            p.awaitCounts(ready(1, 0, 0));
            assertThat(p.idlePids()).containsExactly(held.pid());
        }
    }

    @Test
    void transactionReturnsWhatItsWorkReturnsAndChecksIn() throws Exception {
        try (RunningPool p = RunningPool.start(cats("tx-result", 2, 0))) {
            String answer = p.pool.transaction(lease -> lease.request("ping", PATIENCE));

            assertThat(answer).isEqualTo("ping");
            p.awaitCounts(ready(2, 0, 0));
        }
    }

    @Test
    void stateNamesFollowPoolboy() {
        assertThat(PoolStatus.stateOf(1, 0, 0)).isEqualTo(PoolStatus.State.READY);
        assertThat(PoolStatus.stateOf(0, 0, 1)).isEqualTo(PoolStatus.State.OVERFLOW);
        assertThat(PoolStatus.stateOf(0, 1, 1)).isEqualTo(PoolStatus.State.FULL);
        assertThat(PoolStatus.stateOf(0, 0, 0)).isEqualTo(PoolStatus.State.FULL);
    }
}
