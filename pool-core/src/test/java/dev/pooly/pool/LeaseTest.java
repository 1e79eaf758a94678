package dev.pooly.pool;

import dev.pooly.testing.Pids;

import dev.pooly.supervisor.ProcessSpec;
import dev.pooly.supervisor.Shutdown;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import static dev.pooly.pool.RunningPool.Counts.full;
import static dev.pooly.pool.RunningPool.Counts.overflow;
import static dev.pooly.pool.RunningPool.Counts.ready;
import static dev.pooly.pool.RunningPool.await;
import static dev.pooly.pool.RunningPool.cats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What Pooly adds to poolboy around a lease: line requests with deadlines, discard, max_uses,
 * lease_timeout, on_abandon, overflow_ttl, strict FIFO among waiters and cancellation that never
 * loses a worker (poolboy #64/#70).
 */
@Timeout(60)
class LeaseTest {

    private static final Duration PATIENCE = RunningPool.PATIENCE;
    /** Reads lines and never answers. */
    private static final String SILENT = "while read l; do sleep 5; done";

    @Test
    void requestRoundTripsALineThroughTheWorker() {
        try (RunningPool p = RunningPool.start(cats("request", 1, 0));
             Lease lease = p.checkout()) {
            assertThat(lease.pool()).isEqualTo("request");
            assertThat(lease.request("hello", PATIENCE)).isEqualTo("hello");
            assertThat(lease.request("", PATIENCE)).isEmpty();
            assertThat(lease.request("  spaced  out  ", PATIENCE)).isEqualTo("  spaced  out  ");
            assertThat(lease.request("grüße", PATIENCE)).isEqualTo("grüße");
        }
    }

    @Test
    void rawStreamsReachTheWorkerAfterLineRequests() throws IOException {
        try (RunningPool p = RunningPool.start(cats("raw", 1, 0));
             Lease lease = p.checkout()) {
            assertThat(lease.request("line", PATIENCE)).isEqualTo("line");

            lease.stdin().write("raw bytes\n".getBytes(StandardCharsets.UTF_8));
            lease.stdin().flush();

            assertThat(readLine(lease.stdout())).isEqualTo("raw bytes");
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) throw new AssertionError("EOF after " + line);
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    @Test
    void pipelinedLinesAreAnsweredInOrder() {
        try (RunningPool p = RunningPool.start(cats("pipeline", 1, 0));
             Lease lease = p.checkout()) {
            for (int i = 0; i < 50; i++) lease.writeLine("line " + i);
            for (int i = 0; i < 50; i++) assertThat(lease.readLine()).isEqualTo("line " + i);
            assertThat(lease.request("after the pipeline", PATIENCE)).isEqualTo("after the pipeline");
        }
    }

    @Test
    void readLineFromAWorkerThatDiedFailsWithWorkerDied() {
        try (RunningPool p = RunningPool.start(cats("pipeline-death", 1, 0))) {
            Lease lease = p.checkout();
            lease.writeLine("one");
            assertThat(lease.readLine()).isEqualTo("one");

            Pids.sigkill(lease.pid());

            assertThatThrownBy(lease::readLine).isInstanceOf(WorkerDiedException.class);
            p.awaitIdleWorkersOtherThan(1, Set.of(lease.pid()));
        }
    }

    @Test
    void leaseIsAliveUntilItsWorkerDiesOrItIsCheckedIn() {
        try (RunningPool p = RunningPool.start(cats("alive", 2, 0))) {
            Lease returned = p.checkout();
            Lease orphaned = p.checkout();
            assertThat(returned.isAlive()).isTrue();
            assertThat(orphaned.isAlive()).isTrue();

            returned.close();
            Pids.sigkill(orphaned.pid());

            assertThat(returned.isAlive()).as("checked in").isFalse();
            await().untilAsserted(() -> assertThat(orphaned.isAlive()).as("worker killed").isFalse());
            p.awaitIdleWorkersOtherThan(2, Set.of(orphaned.pid()));
        }
    }

    @Test
    void revokedLeaseIsNotAlive() {
        try (RunningPool p = RunningPool.start(cats("alive-revoked", 1, 0).withLeaseTimeout(Duration.ofMillis(200)))) {
            Lease lease = p.checkout();
            assertThat(lease.isAlive()).isTrue();

            await().untilAsserted(() -> assertThat(lease.isAlive()).isFalse());
            assertThatThrownBy(() -> lease.writeLine("too late")).isInstanceOf(LeaseRevokedException.class);
            p.awaitIdleWorkersOtherThan(1, Set.of(lease.pid()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {SILENT, "exec sleep 300"})
    void requestWithoutAnswerWithinItsDeadlineKillsAndReplacesTheWorker(String script) {
        PoolSpec spec = PoolSpec.of("deadline", ProcessSpec.of("deadline", "sh", "-c", script)
                .withShutdown(Shutdown.brutalKill()), 1, 0);
        try (RunningPool p = RunningPool.start(spec)) {
            Lease lease = p.checkout();

            long start = System.nanoTime();
            assertThatThrownBy(() -> lease.request("anyone?", Duration.ofMillis(200)))
                    .isInstanceOf(LeaseTimeoutException.class).hasMessageContaining("deadline");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(190), Duration.ofSeconds(3));

            Pids.awaitDead(lease.pid());
            assertThatThrownBy(() -> lease.request("still there?", Duration.ofMillis(200)))
                    .isInstanceOf(PoolException.class);
            assertThatCode(lease::close).as("closing the lease of a worker the pool killed").doesNotThrowAnyException();
            p.awaitIdleWorkersOtherThan(1, Set.of(lease.pid()));
            p.awaitCounts(ready(1, 0, 0));
        }
    }

    @Test
    void transactionPropagatesARequestTimeoutAndTheWorkerIsReplaced() {
        PoolSpec spec = PoolSpec.of("tx-deadline", ProcessSpec.of("tx-deadline", "sh", "-c", SILENT)
                .withShutdown(Shutdown.brutalKill()), 1, 0);
        try (RunningPool p = RunningPool.start(spec)) {
            Set<Long> before = p.idlePids();

            assertThatThrownBy(() -> p.pool.transaction(lease -> lease.request("x", Duration.ofMillis(100))))
                    .isInstanceOf(LeaseTimeoutException.class);

            p.awaitIdleWorkersOtherThan(1, before);
            p.awaitCounts(ready(1, 0, 0));
        }
    }

    @Test
    void closingALeaseTwiceIsAnErrorAndChecksInOnlyOnce() {
        try (RunningPool p = RunningPool.start(cats("double-close", 2, 0))) {
            Lease lease = p.checkout();
            lease.close();

            assertThatThrownBy(lease::close).isInstanceOf(IllegalStateException.class)
                    .message().as("names the worker or the pool").satisfiesAnyOf(
                            m -> assertThat(m).contains(Long.toString(lease.pid())),
                            m -> assertThat(m).contains("double-close"));
            p.awaitSettled();
            assertThat(p.counts()).isEqualTo(ready(2, 0, 0));

            Lease a = p.checkout();
            Lease b = p.checkout();
            assertThat(a.pid()).as("one worker lent twice").isNotEqualTo(b.pid());
            assertThat(p.tryCheckout()).isEmpty();
        }
    }

    @Test
    void closedLeaseCannotTalkToTheWorkerAnymore() {
        try (RunningPool p = RunningPool.start(cats("closed-lease", 1, 0))) {
            Lease lease = p.checkout();
            lease.close();

            assertThatThrownBy(() -> lease.request("after checkin", PATIENCE)).isInstanceOf(LeaseRevokedException.class)
                    .satisfies(e -> assertThat(((LeaseRevokedException) e).reason()).isEqualTo(LeaseRevokedException.Reason.CHECKED_IN));
            p.awaitCounts(ready(1, 0, 0));
        }
    }

    @Test
    void discardKillsAndReplacesTheWorker() {
        try (RunningPool p = RunningPool.start(cats("discard", 1, 0))) {
            Lease lease = p.checkout();

            lease.discard();

            Pids.awaitDead(lease.pid());
            p.awaitIdleWorkersOtherThan(1, Set.of(lease.pid()));
            p.awaitCounts(ready(1, 0, 0));
        }
    }

    @Test
    void discardInsideTryWithResourcesIsNotADoubleCheckin() {
        try (RunningPool p = RunningPool.start(cats("discard-twr", 1, 0))) {
            long pid;
            try (Lease lease = p.checkout()) {
                pid = lease.pid();
                lease.discard();
            }
            p.awaitIdleWorkersOtherThan(1, Set.of(pid));
            p.awaitCounts(ready(1, 0, 0));
        }
    }

    @Test
    void usesCountsTheLeasesOfAWorker() {
        try (RunningPool p = RunningPool.start(cats("uses", 1, 0))) {
            long pid = 0;
            for (int use = 1; use <= 3; use++) {
                try (Lease lease = p.checkout()) {
                    assertThat(lease.uses()).isEqualTo(use);
                    if (pid == 0) pid = lease.pid();
                    assertThat(lease.pid()).isEqualTo(pid);
                }
            }
            p.awaitSettled();
            assertThat(p.status().workers()).singleElement()
                    .satisfies(w -> assertThat(w.uses()).isEqualTo(3));
        }
    }

    @Test
    void maxUsesReplacesAWorkerAfterItsLastLease() {
        try (RunningPool p = RunningPool.start(cats("max-uses", 1, 0).withMaxUses(2))) {
            Lease first = p.checkout();
            long pid = first.pid();
            first.close();
            Lease second = p.checkout();
            assertThat(second.pid()).isEqualTo(pid);
            assertThat(second.uses()).isEqualTo(2);
            second.close();

            Pids.awaitDead(pid);
            p.awaitIdleWorkersOtherThan(1, Set.of(pid));
            try (Lease third = p.checkout()) {
                assertThat(third.pid()).isNotEqualTo(pid);
                assertThat(third.uses()).isEqualTo(1);
                assertThat(third.request("fresh", PATIENCE)).isEqualTo("fresh");
            }
        }
    }

    @Test
    void leaseHeldPastLeaseTimeoutIsRevokedAndItsWorkerReplaced() {
        try (RunningPool p = RunningPool.start(cats("lease-timeout", 1, 0).withLeaseTimeout(Duration.ofMillis(300)))) {
            Lease lease = p.checkout();
            assertThat(lease.request("in time", PATIENCE)).isEqualTo("in time");

            Pids.awaitDead(lease.pid());
            p.awaitIdleWorkersOtherThan(1, Set.of(lease.pid()));
            assertThatThrownBy(() -> lease.request("too late", PATIENCE)).isInstanceOf(LeaseRevokedException.class)
                    .hasMessageContaining("lease-timeout");
            assertThatCode(lease::close).as("closing a revoked lease").doesNotThrowAnyException();
            p.awaitCounts(ready(1, 0, 0));
        }
    }

    @Test
    void leaseReturnedWithinLeaseTimeoutKeepsItsWorker() {
        try (RunningPool p = RunningPool.start(cats("lease-in-time", 1, 0).withLeaseTimeout(Duration.ofMillis(200)))) {
            Lease lease = p.checkout();
            lease.close();

            RunningPool.during(Duration.ofMillis(500)).untilAsserted(() ->
                    assertThat(p.idlePids()).containsExactly(lease.pid()));
        }
    }

    @Test
    void ownerThreadEndingWithALeaseKillsAndReplacesTheWorkerByDefault() {
        try (RunningPool p = RunningPool.start(cats("abandon-replace", 1, 0))) {
            assertThat(p.pool.spec().onAbandon()).isEqualTo(OnAbandon.REPLACE);
            Borrower owner = p.borrower("owner", PATIENCE);
            long pid = owner.awaitLease().pid();

            owner.vanish();

            Pids.awaitDead(pid);
            p.awaitIdleWorkersOtherThan(1, Set.of(pid));
            p.awaitCounts(ready(1, 0, 0));
        }
    }

    @Test
    void ownerThreadEndingWithALeaseReturnsTheWorkerWhenOnAbandonIsReturn() {
        try (RunningPool p = RunningPool.start(cats("abandon-return", 1, 0).withOnAbandon(OnAbandon.RETURN))) {
            Borrower owner = p.borrower("owner", PATIENCE);
            long pid = owner.awaitLease().pid();

            owner.vanish();

            p.awaitCounts(ready(1, 0, 0));
            assertThat(p.idlePids()).containsExactly(pid);
            assertThat(Pids.alive(pid)).isTrue();
        }
    }

    /** Checks out and drops the only reference to the lease. */
    private static long checkoutAndForget(RunningPool p) {
        long pid = p.pool.checkout(PATIENCE).pid(); // not through p.checkout(), which keeps the lease reachable
        p.track(pid);
        return pid;
    }

    @Test
    void unreachableLeaseIsReclaimedByReplacingItsWorker() {
        // We test this by dropping the only reference to a lease on a thread that stays alive, so only
        // reachability can tell the pool the lease was abandoned, and collecting garbage until it does.
        try (RunningPool p = RunningPool.start(cats("unreachable-replace", 1, 0))) {
            long pid = checkoutAndForget(p);
            assertThat(p.counts()).isEqualTo(full(1, 0, 0));

            await().pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
                System.gc();
                assertThat(p.counts()).isEqualTo(ready(1, 0, 0));
                assertThat(p.idlePids()).doesNotContain(pid);
            });
            Pids.awaitDead(pid);
        }
    }

    @Test
    void unreachableLeaseIsReclaimedByReturningItsWorkerWhenOnAbandonIsReturn() {
        // We test this as above; with RETURN the same process must come back to the idle list.
        try (RunningPool p = RunningPool.start(cats("unreachable-return", 1, 0).withOnAbandon(OnAbandon.RETURN))) {
            long pid = checkoutAndForget(p);
            assertThat(p.counts()).isEqualTo(full(1, 0, 0));

            await().pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
                System.gc();
                assertThat(p.counts()).isEqualTo(ready(1, 0, 0));
            });
            assertThat(p.idlePids()).containsExactly(pid);
            assertThat(Pids.alive(pid)).isTrue();
        }
    }

    @Test
    void abandonReplacesTheWorkerByDefault() {
        try (RunningPool p = RunningPool.start(cats("abandon-call-replace", 1, 0))) {
            Lease lease = p.checkout();
            lease.abandon();

            Pids.awaitDead(lease.pid());
            p.awaitIdleWorkersOtherThan(1, Set.of(lease.pid()));
        }
    }

    @Test
    void abandonReturnsTheWorkerWhenOnAbandonIsReturn() {
        try (RunningPool p = RunningPool.start(cats("abandon-call-return", 1, 0).withOnAbandon(OnAbandon.RETURN))) {
            Lease lease = p.checkout();
            lease.abandon();

            p.awaitCounts(ready(1, 0, 0));
            assertThat(p.idlePids()).containsExactly(lease.pid());
        }
    }

    @Test
    void waitersAreServedInTheOrderTheyQueued() {
        // We test this by queueing five callers one at a time (each joins only once the previous one is
        // counted as waiting), then checking the one worker in: each waiter notes its turn and checks
        // the worker in, which hands it to the next.
        try (RunningPool p = RunningPool.start(cats("fifo-waiters", 1, 0))) {
            Lease held = p.checkout();
            List<Borrower> queue = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                queue.add(p.borrower("waiter-" + i, PATIENCE));
                p.awaitCounts(full(1, 0, i + 1));
            }

            held.close();
            for (Borrower waiter : queue) {
                assertThat(waiter.awaitLease().pid()).isEqualTo(held.pid());
                for (Borrower later : queue.subList(queue.indexOf(waiter) + 1, queue.size())) {
                    assertThat(later.served()).as("%s served before %s", later.thread().getName(),
                            waiter.thread().getName()).isFalse();
                }
                waiter.checkin();
            }
            p.awaitCounts(ready(1, 0, 0));
        }
    }

    @Test
    void interruptedCheckoutLeavesTheQueueAndKeepsTheInterruptFlag() {
        try (RunningPool p = RunningPool.start(cats("interrupted", 1, 0))) {
            Lease held = p.checkout();
            Borrower waiter = p.borrower("waiter", PATIENCE);
            p.awaitCounts(full(1, 0, 1));

            waiter.interrupt();

            assertThat(waiter.awaitCheckoutFailure()).isInstanceOf(PoolInterruptedException.class);
            assertThat(waiter.interruptFlagSetAfterFailure()).isTrue();
            p.awaitCounts(full(1, 0, 0));
            held.close();
            p.awaitCounts(ready(1, 0, 0));
            assertThat(p.idlePids()).containsExactly(held.pid());
        }
    }

    @Test
    void cancelledCheckoutRacingACheckinNeverLosesTheWorker() {
        // We test this (poolboy #64) by checking the only worker in at about the instant a waiter's
        // timeout fires or the waiter is interrupted, many times over: whichever side wins, the worker
        // ends up either with the waiter or idle, and it is always the same live process.
        try (RunningPool p = RunningPool.start(cats("cancel-race", 1, 0))) {
            long pid = p.idlePids().iterator().next();
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int served = 0;
            int cancelled = 0;
            for (int round = 0; round < 60; round++) {
                Lease held = p.checkout();
                assertThat(held.pid()).isEqualTo(pid);
                boolean interrupt = round % 2 == 1;
                long startNanos = System.nanoTime();
                Borrower waiter = p.borrower("racer-" + round, Duration.ofMillis(interrupt ? 5_000 : 15));
                if (interrupt) {
                    p.awaitCounts(full(1, 0, 1));
                    waiter.interrupt();
                    held.close();
                } else {
                    long fireAt = startNanos + Duration.ofMillis(15).toNanos() + random.nextLong(-4_000_000, 4_000_000);
                    while (System.nanoTime() < fireAt) Thread.onSpinWait();
                    held.close();
                }
                await().until(waiter::finishedCheckout);
                if (waiter.served()) {
                    served++;
                    assertThat(waiter.awaitLease().pid()).isEqualTo(pid);
                    waiter.checkin();
                } else {
                    cancelled++;
                    assertThat(waiter.awaitCheckoutFailure()).isInstanceOfAny(PoolTimeoutException.class,
                            PoolInterruptedException.class);
                }
                p.awaitCounts(ready(1, 0, 0));
                assertThat(p.idlePids()).as("round %d", round).containsExactly(pid);
            }
            assertThat(served + cancelled).isEqualTo(60);
        }
    }

    @Test
    void idleOverflowWorkerLingersForOverflowTtlThenIsDismissed() {
        try (RunningPool p = RunningPool.start(cats("overflow-ttl", 1, 1).withOverflowTtl(Duration.ofSeconds(1)))) {
            Lease regular = p.checkout();
            Lease extra = p.checkout();
            assertThat(p.counts()).isEqualTo(full(2, 1, 0));

            long checkedIn = System.nanoTime();
            extra.close();
            p.awaitCounts(ready(1, 1, 1));
            assertThat(Pids.alive(extra.pid())).isTrue();

            p.awaitCounts(overflow(1, 0));
            assertThat(Duration.ofNanos(System.nanoTime() - checkedIn)).isGreaterThan(Duration.ofMillis(900));
            Pids.awaitDead(extra.pid());
            assertThat(Pids.alive(regular.pid())).isTrue();
        }
    }

    @Test
    void idleOverflowWorkerIsLentAgainWithinOverflowTtl() {
        try (RunningPool p = RunningPool.start(cats("overflow-ttl-reuse", 1, 1).withOverflowTtl(Duration.ofSeconds(5)))) {
            p.checkout();
            Lease extra = p.checkout();
            extra.close();

            try (Lease again = p.checkout()) {
                assertThat(again.pid()).isEqualTo(extra.pid());
                assertThat(p.counts()).isEqualTo(full(2, 1, 0));
            }
        }
    }

    @Test
    void overflowWorkerIsDismissedAtOnceWithoutOverflowTtl() {
        try (RunningPool p = RunningPool.start(cats("overflow-no-ttl", 1, 1))) {
            p.checkout();
            Lease extra = p.checkout();
            extra.close();

            Pids.awaitDead(extra.pid());
            p.awaitCounts(overflow(1, 0));
        }
    }
}
