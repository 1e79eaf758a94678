package dev.pooly.pool;

import dev.pooly.supervisor.ProcessSpec;
import dev.pooly.supervisor.Shutdown;
import dev.pooly.testing.Pids;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A lease whose requests the pool cannot count never returns its worker on trust (issue 18; contract
 * section 5, "Guarantees added"): raw bytes written through {@code stdin()}, or the process handle
 * taken, and the worker goes back only if the pool's health request proves it quiet; otherwise it is
 * replaced. The worker answers {@code ok:LINE}, slowly for lines holding {@code slow}: a holder that
 * wrote {@code slow} and left before the answer leaves a worker that is quiet at that instant and still
 * computing, the case a quiet check alone cannot see.
 */
@Timeout(60)
class UncountedLeaseTest {
    private static final Duration PATIENCE = RunningPool.PATIENCE;
    private static final String SLOW_WORKER = "while read -r l; do case \"$l\" in PING) echo PONG; continue;; *slow*) sleep 1;; esac; echo \"ok:$l\"; done";

    private static PoolSpec slow(String name, OnAbandon onAbandon, PoolHealth health) {
        PoolSpec spec = PoolSpec.of(name, ProcessSpec.of(name, "sh", "-c", SLOW_WORKER).withShutdown(Shutdown.brutalKill()), 1, 0)
                .withOnAbandon(onAbandon);
        return health == null ? spec : spec.withHealth(health);
    }

    /** A health check that only proves (no periodic round, no check at checkout). */
    private static PoolHealth proofOnly() {
        return new PoolHealth("PING", "PONG", Duration.ZERO, Duration.ofSeconds(5), false);
    }

    private static void writeRaw(Lease lease, String text) throws IOException {
        lease.stdin().write(text.getBytes(StandardCharsets.UTF_8));
        lease.stdin().flush();
    }

    /**
     * We test this (the reproduction, in the library) by writing a slow request raw, then
     * ending the lease before its answer: the next holder must get the answer to its own request.
     */
    @ParameterizedTest(name = "ended by {0}")
    @EnumSource(names = {"CHECKED_IN", "ABANDONED"})
    void rawRequestLeftUnansweredNeverReachesTheNextHolder(LeaseRevokedException.Reason how) throws Exception {
        try (RunningPool p = RunningPool.start(slow("raw-" + how.label(), OnAbandon.RETURN, null))) {
            Lease first = p.checkout();
            writeRaw(first, "slow-yours\n");
            if (how == LeaseRevokedException.Reason.CHECKED_IN) first.close();
            else first.abandon();

            try (Lease next = p.checkout()) {
                assertThat(next.request("mine", PATIENCE)).isEqualTo("ok:mine");
                assertThat(next.pid()).as("an uncounted lease's worker is replaced").isNotEqualTo(first.pid());
            }
            Pids.awaitDead(first.pid());
        }
    }

    /** Even a raw exchange that looks complete is not proof: without a health request the worker is replaced. */
    @Test
    void rawExchangeReadToTheEndStillReplacesTheWorkerOfAPoolWithoutHealth() throws Exception {
        try (RunningPool p = RunningPool.start(slow("raw-complete", OnAbandon.RETURN, null))) {
            Lease first = p.checkout();
            writeRaw(first, "quick\n");
            assertThat(readLine(first.stdout())).isEqualTo("ok:quick");
            first.close();

            p.awaitIdleWorkersOtherThan(1, Set.of(first.pid()));
            Pids.awaitDead(first.pid());
        }
    }

    /** With a health request, a raw exchange read to its end is proven quiet and the worker is kept. */
    @Test
    void rawExchangeReadToTheEndKeepsTheWorkerWhenTheHealthRequestProvesItQuiet() throws Exception {
        try (RunningPool p = RunningPool.start(slow("raw-proven", OnAbandon.RETURN, proofOnly()))) {
            Lease first = p.checkout();
            writeRaw(first, "quick\n");
            assertThat(readLine(first.stdout())).isEqualTo("ok:quick");
            first.close();

            try (Lease next = p.checkout()) {
                assertThat(next.pid()).as("proven quiet: kept").isEqualTo(first.pid());
                assertThat(next.request("mine", PATIENCE)).isEqualTo("ok:mine");
            }
        }
    }

    /**
     * We test this by leaving a slow raw request unanswered on a pool with a health request: the
     * proof reads the owed answer where {@code PONG} should be, so the worker is replaced, and the owed
     * answer reaches nobody.
     */
    @ParameterizedTest(name = "on_abandon {0}")
    @EnumSource(OnAbandon.class)
    void healthProofFailsOnAnAnswerStillOwedAndTheWorkerIsReplaced(OnAbandon onAbandon) throws Exception {
        try (RunningPool p = RunningPool.start(slow("raw-unproven-" + onAbandon.name().toLowerCase(), onAbandon, proofOnly()))) {
            Lease first = p.checkout();
            writeRaw(first, "slow-yours\n");
            first.abandon();

            try (Lease next = p.checkout()) {
                assertThat(next.pid()).isNotEqualTo(first.pid());
                assertThat(next.request("mine", PATIENCE)).isEqualTo("ok:mine");
            }
            Pids.awaitDead(first.pid());
        }
    }

    /** Declared raw requests keep the lease counted: answered and read, the worker goes back as for lines. */
    @Test
    void rawRequestsDeclaredBeforeTheyAreWrittenKeepTheLeaseCounted() throws Exception {
        try (RunningPool p = RunningPool.start(slow("raw-declared", OnAbandon.RETURN, null))) {
            Lease first = p.checkout();
            first.expectAnswers(1);
            writeRaw(first, "quick\n");
            assertThat(first.readLine()).isEqualTo("ok:quick");
            first.close();

            try (Lease next = p.checkout()) {
                assertThat(next.pid()).as("every declared request answered: kept").isEqualTo(first.pid());
            }
        }
    }

    /** What a holder does with the process handle (a signal that makes the worker write) cannot be counted. */
    @Test
    void takingTheProcessHandleMakesTheLeaseUncounted() {
        try (RunningPool p = RunningPool.start(slow("raw-handle", OnAbandon.RETURN, null))) {
            Lease first = p.checkout();
            assertThat(first.process().pid()).isEqualTo(first.pid());
            first.close();

            p.awaitIdleWorkersOtherThan(1, Set.of(first.pid()));
        }
    }

    /** A lease that wrote nothing raw stays counted: the common checkout, request, checkin keeps its worker. */
    @Test
    void countedLeaseKeepsItsWorker() {
        try (RunningPool p = RunningPool.start(slow("counted", OnAbandon.RETURN, null))) {
            long pid;
            try (Lease first = p.checkout()) {
                pid = first.pid();
                assertThat(first.request("a", PATIENCE)).isEqualTo("ok:a");
            }
            try (Lease next = p.checkout()) {
                assertThat(next.pid()).isEqualTo(pid);
            }
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) throw new AssertionError("EOF after " + line);
            line.append((char) b);
        }
        return line.toString();
    }
}
