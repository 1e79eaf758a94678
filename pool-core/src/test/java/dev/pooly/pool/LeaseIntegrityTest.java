package dev.pooly.pool;

import dev.pooly.pool.LeaseRevokedException.Reason;
import dev.pooly.supervisor.ProcessSpec;
import dev.pooly.supervisor.Shutdown;
import dev.pooly.testing.Pids;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
                assertRevoked(stale.get(), Reason.ABANDONED);
                assertThat(next.request("mine", PATIENCE)).isEqualTo("mine");
            }
            assertThat(p.idlePids()).containsExactly(stale.get().pid());
        }
    }

    /** Every operation through {@code lease}, raw streams included, fails naming {@code why}; none reaches the worker. */
    private static void assertRevoked(Lease lease, Reason why) {
        List<org.assertj.core.api.ThrowableAssert.ThrowingCallable> operations = List.of(
                () -> lease.request("request", PATIENCE),
                () -> lease.writeLine("write"),
                lease::readLine,
                () -> lease.expectAnswers(1),
                () -> lease.stdin().write('x'),
                () -> lease.stdin().write(new byte[] {'x', '\n'}),
                () -> lease.stdin().flush(),
                () -> lease.stdout().read(),
                () -> lease.stdout().read(new byte[8]),
                () -> lease.stdout().available());
        for (var operation : operations) {
            assertThatThrownBy(operation).isInstanceOf(LeaseRevokedException.class)
                    .satisfies(e -> assertThat(((LeaseRevokedException) e).reason()).isEqualTo(why))
                    .hasMessageContaining(Long.toString(lease.pid())).hasMessageContaining(lease.pool());
        }
        assertThat(lease.isAlive()).as("an ended lease is not alive").isFalse();
    }

    @Test
    void checkedInLeaseFailsEveryOperationWithCheckedIn() {
        try (RunningPool p = RunningPool.start(cats("reason-checked-in", 1, 0))) {
            Lease lease = p.checkout();
            lease.close();
            assertRevoked(lease, Reason.CHECKED_IN);
            try (Lease next = p.checkout()) {
                assertThat(next.pid()).as("a quiet worker goes back").isEqualTo(lease.pid());
                assertRevoked(lease, Reason.CHECKED_IN);
                assertThat(next.request("mine", PATIENCE)).isEqualTo("mine");
            }
        }
    }

    @Test
    void discardedLeaseFailsEveryOperationWithDiscarded() {
        try (RunningPool p = RunningPool.start(cats("reason-discarded", 1, 0))) {
            Lease lease = p.checkout();
            lease.discard();
            assertRevoked(lease, Reason.DISCARDED);
            Pids.awaitDead(lease.pid());
        }
    }

    @ParameterizedTest
    @EnumSource(OnAbandon.class)
    void abandonedLeaseFailsEveryOperationWithAbandoned(OnAbandon onAbandon) {
        try (RunningPool p = RunningPool.start(cats("reason-abandoned", 1, 0).withOnAbandon(onAbandon))) {
            Lease lease = p.checkout();
            lease.abandon();
            assertRevoked(lease, Reason.ABANDONED);
            p.awaitCounts(ready(1, 0, 0));
        }
    }

    @Test
    void leaseHeldPastLeaseTimeoutFailsEveryOperationWithLeaseTimeout() {
        try (RunningPool p = RunningPool.start(cats("reason-lease-timeout", 1, 0).withLeaseTimeout(Duration.ofMillis(200)))) {
            Lease lease = p.checkout();
            p.awaitIdleWorkersOtherThan(1, Set.of(lease.pid()));
            assertRevoked(lease, Reason.LEASE_TIMEOUT);
        }
    }

    @Test
    void unansweredRequestFailsWithRequestTimeoutAndSoDoesEveryLaterOperation() {
        PoolSpec spec = PoolSpec.of("reason-request-timeout", ProcessSpec.of("reason-request-timeout", "sh", "-c",
                "while read l; do :; done").withShutdown(Shutdown.brutalKill()), 1, 0);
        try (RunningPool p = RunningPool.start(spec)) {
            Lease lease = p.checkout();
            assertThatThrownBy(() -> lease.request("anyone?", Duration.ofMillis(200))).isInstanceOf(LeaseTimeoutException.class)
                    .satisfies(e -> assertThat(((LeaseRevokedException) e).reason()).isEqualTo(Reason.REQUEST_TIMEOUT))
                    .hasMessageContaining("deadline");
            assertRevoked(lease, Reason.REQUEST_TIMEOUT);
            p.awaitIdleWorkersOtherThan(1, Set.of(lease.pid()));
        }
    }

    @Test
    void workerDestroyedThroughItsProcessHandleEndsTheLeaseWithWorkerDiedAndIsReplaced() throws Exception {
        try (RunningPool p = RunningPool.start(cats("reason-died", 1, 0))) {
            Lease lease = p.checkout();
            ProcessHandle handle = lease.process();
            assertThat(handle.pid()).isEqualTo(lease.pid());
            // The worker may be lent before its launcher has exec'd the command: wait for the exec.
            await().untilAsserted(() ->
                    assertThat(handle.info().command()).hasValueSatisfying(c -> assertThat(c).endsWith("cat")));

            handle.destroyForcibly();

            handle.onExit().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            p.awaitIdleWorkersOtherThan(1, Set.of(lease.pid()));
            assertRevoked(lease, Reason.WORKER_DIED);
            assertThatThrownBy(() -> lease.request("x", PATIENCE)).isInstanceOf(WorkerDiedException.class);
        }
    }

    @Test
    void leaseOfARestartedPoolFailsEveryOperationWithPoolClosed() throws Exception {
        try (RunningPool p = RunningPool.start(cats("reason-restart", 1, 0))) {
            Lease lease = p.checkout();
            p.pool.supervisor().killChild("reason-restart.server").get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            p.awaitIdleWorkersOtherThan(1, Set.of(lease.pid()));
            assertRevoked(lease, Reason.POOL_CLOSED);
        }
    }

    @Test
    void readInProgressWhenTheLeaseIsCheckedInGetsTheWorkerReplaced() throws Exception {
        // We test this by checking a lease in from one thread while another is blocked reading its
        // stdout: the blocked read could take the next holder's answer, so the worker must not go back.
        try (RunningPool p = RunningPool.start(cats("read-at-checkin", 1, 0))) {
            Lease lease = p.checkout();
            CompletableFuture<Throwable> reader = CompletableFuture.supplyAsync(() -> {
                try {
                    lease.readLine();
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            await().until(() -> Thread.getAllStackTraces().keySet().stream().anyMatch(t ->
                    java.util.Arrays.stream(t.getStackTrace()).anyMatch(f -> f.getMethodName().equals("readLine")
                            && f.getClassName().endsWith("WorkerChannel"))));
            lease.close();

            assertThat(reader.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("the blocked read ends with the lease")
                    .isInstanceOf(LeaseRevokedException.class);
            Pids.awaitDead(lease.pid());
            try (Lease next = p.checkout()) {
                assertThat(next.pid()).isNotEqualTo(lease.pid());
                assertThat(next.request("mine", PATIENCE)).isEqualTo("mine");
            }
        }
    }

    @Test
    void pipelinedRequestsDeclaredThroughRawStdinMustBeAnsweredBeforeTheWorkerGoesBack() throws Exception {
        // The daemon writes request lines through stdin() and reads answers with readLine(); expectAnswers tells the lease.
        try (RunningPool p = RunningPool.start(shells("declared", 1, 0, "while read l; do sleep 0.3; echo \"$l\"; done"))) {
            Lease lease = p.checkout();
            lease.stdin().write("slow\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            lease.stdin().flush();
            lease.expectAnswers(1);
            assertThat(lease.unanswered()).isEqualTo(1);
            lease.close(); // before the answer came: the pipe is empty, but the lease knows one is owed

            try (Lease next = p.checkout()) {
                assertThat(next.pid()).as("a worker owing an answer is replaced").isNotEqualTo(lease.pid());
                assertThat(next.request("mine", PATIENCE)).isEqualTo("mine");
            }
        }
    }

    @Test
    void readLineWithADeadlineKillsAWorkerThatDoesNotAnswerInTime() throws Exception {
        PoolSpec spec = PoolSpec.of("read-deadline", ProcessSpec.of("read-deadline", "sh", "-c",
                "while read l; do :; done").withShutdown(Shutdown.brutalKill()), 1, 0);
        try (RunningPool p = RunningPool.start(spec)) {
            Lease lease = p.checkout();
            lease.stdin().write("pipelined\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            lease.stdin().flush();
            lease.expectAnswers(1);

            assertThatThrownBy(() -> lease.readLine(Duration.ofMillis(200))).isInstanceOf(LeaseTimeoutException.class)
                    .satisfies(e -> assertThat(((LeaseRevokedException) e).reason()).isEqualTo(Reason.REQUEST_TIMEOUT));
            Pids.awaitDead(lease.pid());
            assertRevoked(lease, Reason.REQUEST_TIMEOUT);
            p.awaitIdleWorkersOtherThan(1, Set.of(lease.pid()));
        }
    }
}
