package dev.pooly.pool;

import dev.pooly.testing.Pids;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import static dev.pooly.pool.RunningPool.Counts.full;
import static dev.pooly.pool.RunningPool.Counts.ready;
import static dev.pooly.pool.RunningPool.await;
import static dev.pooly.pool.RunningPool.cats;
import static dev.pooly.pool.RunningPool.shells;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * An answer reaches only the caller whose request caused it (contract section 4, "Guarantees"):
 * unread or unanswered output never crosses to the next holder, and a lease that ended can never
 * touch its worker again. Issue 9, findings 3a and 4.
 */
@Timeout(60)
class LeaseIntegrityTest {

    private static final Duration PATIENCE = RunningPool.PATIENCE;

    @Test
    void writeThenCloseNeverHandsTheUnreadAnswerToTheNextHolder() {
        // We test this (finding 3a) with one cat worker: the first holder writes a request and checks in
        // without reading its answer; the next holder must get the answer to its own request.
        try (RunningPool p = RunningPool.start(cats("write-close", 1, 0))) {
            Lease first = p.checkout();
            first.writeLine("yours");
            first.close();

            try (Lease next = p.checkout()) {
                assertThat(next.request("mine", PATIENCE)).isEqualTo("mine");
                assertThat(next.pid()).as("a worker with an unanswered request is replaced").isNotEqualTo(first.pid());
            }
            Pids.awaitDead(first.pid());
        }
    }

    @Test
    void exceptionInATransactionBetweenWriteAndReadNeverLeaksTheAnswer() {
        try (RunningPool p = RunningPool.start(cats("tx-write-throw", 1, 0))) {
            IllegalStateException boom = new IllegalStateException("failed between write and read");
            Throwable thrown = catchThrowable(() -> p.pool.transaction(lease -> {
                lease.writeLine("yours");
                throw boom;
            }));
            assertThat(thrown).isSameAs(boom);

            String answer = catchingTransaction(p, lease -> lease.request("mine", PATIENCE));
            assertThat(answer).isEqualTo("mine");
        }
    }

    private static String catchingTransaction(RunningPool p, java.util.function.Function<Lease, String> work) {
        try {
            return p.pool.transaction(work::apply);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void workerThatAnswersTwiceIsReplacedAndItsExtraLineIsNeverLent() {
        // One write(2) carries both lines, so the extra one sits in the lease's read-ahead at checkin.
        try (RunningPool p = RunningPool.start(shells("twice", 1, 0, "while read l; do printf '%s\\n%s\\n' \"$l\" \"extra $l\"; done"))) {
            Lease first = p.checkout();
            assertThat(first.request("one", PATIENCE)).isEqualTo("one");
            first.close();

            Lease next = p.checkout();
            p.track(next);
            assertThat(next.pid()).as("the chatty worker was replaced").isNotEqualTo(first.pid());
            Pids.awaitDead(first.pid());
            next.close(); // the replacement is chatty too, but nothing of its is unread yet
        }
    }

    @Test
    void lateExtraLineWhileIdleGetsTheWorkerReplacedBeforeItIsLentAgain(@TempDir Path dir) {
        // We test this with a worker that answers, then writes one more line 200 ms later and marks that
        // it did: the checkin finds it quiet, the lend must not.
        Path spoke = dir.resolve("spoke");
        String script = "while read l; do echo \"$l\"; sleep 0.2; echo late; touch '" + spoke + "'; done";
        try (RunningPool p = RunningPool.start(shells("late-line", 1, 0, script))) {
            Lease first = p.checkout();
            assertThat(first.request("one", PATIENCE)).isEqualTo("one");
            first.close();
            await().until(() -> Files.exists(spoke));

            try (Lease next = p.checkout()) {
                assertThat(next.pid()).as("the worker that spoke unasked was replaced").isNotEqualTo(first.pid());
                next.writeLine("mine");
                assertThat(next.readLine()).isEqualTo("mine");
                assertThat(next.readLine()).isEqualTo("late");
            }
            Pids.awaitDead(first.pid());
        }
    }

    @Test
    void leaseHandedToAnotherThreadIsNotReclaimedWhenTheCheckingOutThreadEnds() throws Exception {
        // We test this (finding 4) with on_abandon: return: thread A checks out and hands the lease over;
        // this thread uses it; A ends. The lease is in use, so the worker must stay lent to it alone.
        try (RunningPool p = RunningPool.start(cats("handed", 1, 0).withOnAbandon(OnAbandon.RETURN))) {
            CompletableFuture<Lease> handed = new CompletableFuture<>();
            Thread a = Thread.ofPlatform().name("checking-out").start(() -> handed.complete(p.checkout()));
            Lease lease = handed.get();
            assertThat(lease.request("used here", PATIENCE)).isEqualTo("used here");
            a.join();

            RunningPool.during(Duration.ofMillis(300)).untilAsserted(() -> assertThat(p.counts()).isEqualTo(full(1, 0, 0)));
            assertThat(p.tryCheckout()).as("the worker must not be lent twice").isEmpty();
            assertThat(lease.request("still mine", PATIENCE)).isEqualTo("still mine");
            lease.close();
            p.awaitCounts(ready(1, 0, 0));
        }
    }

    @Test
    void leaseReclaimedFromAVanishedHolderNeverTouchesItsWorkerAgain() throws Exception {
        // We test this with on_abandon: return: thread A checks out and ends without using or handing
        // on the lease in a way the pool can see, so the lease is abandoned and the worker goes back.
        // The next holder gets that worker; the stale lease must not reach it.
        try (RunningPool p = RunningPool.start(cats("reclaimed", 1, 0).withOnAbandon(OnAbandon.RETURN))) {
            AtomicReference<Lease> stale = new AtomicReference<>();
            Thread a = Thread.ofPlatform().name("vanishing").start(() -> stale.set(p.checkout()));
            a.join();
            p.awaitCounts(ready(1, 0, 0));

            try (Lease next = p.checkout()) {
                assertThat(next.pid()).isEqualTo(stale.get().pid());
                assertThatThrownBy(() -> stale.get().writeLine("stale")).isInstanceOf(LeaseRevokedException.class);
                assertThatThrownBy(() -> stale.get().stdin().write('x')).isInstanceOf(LeaseRevokedException.class);
                assertThat(next.request("mine", PATIENCE)).isEqualTo("mine");
            }
            assertThat(p.idlePids()).containsExactly(stale.get().pid());
        }
    }
}
