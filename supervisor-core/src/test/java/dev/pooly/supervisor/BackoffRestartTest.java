package dev.pooly.supervisor;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static dev.pooly.supervisor.Children.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Restart backoff with real processes: {@code false} crash-looping, {@code sleep} killed from outside. */
class BackoffRestartTest {

    /** A delay no test could mistake for an immediate restart. */
    private static final Backoff SLOW = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(30), 2, 0);

    @Test
    void crashLoopWithDefaultBackoffMakesAtMostFifteenRestartsInTenSeconds() {
        // We test this by letting `false` crash-loop for 10 s under an intensity so generous that only backoff
        // can hold it back (without backoff it restarts every few ms: hundreds of times).
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, Intensity.of(10_000, Duration.ofSeconds(10)),
                sleeper("steady"), ProcessSpec.of("loop", "false")))) {
            long start = System.nanoTime();
            RunningTree.during(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(tree.node("loop").restarts()).as("restarts of a crash loop").isLessThanOrEqualTo(15));
            long elapsedS = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            int restarts = tree.node("loop").restarts();
            // 100 ms, 200, 400, 800, 1.6 s ... (+-20 %): about 6 restarts in 10 s, at least 4 even on a slow machine.
            assertThat(restarts).as("restarts in %d s", elapsedS).isBetween(4, 15);
            assertThat(tree.isRunning("steady")).isTrue();
            // While it waits, status says so and counts down.
            RunningTree.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                NodeStatus loop = tree.node("loop");
                assertThat(loop.state()).isEqualTo(NodeStatus.State.RESTARTING);
                assertThat(loop.nextRestartMs()).isGreaterThan(100);
            });
        }
    }

    @Test
    void childKilledAfterMinUptimeRestartsWithoutDelay() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, LENIENT, sleeper("svc").withBackoff(SLOW)))) {
            long first = tree.pid("svc");
            // Let it run past min_uptime (1 s): it must stay up that long anyway.
            RunningTree.during(Duration.ofMillis(1300)).until(() -> tree.node("svc").pid() == first);

            tree.sigkill(first);

            // A 30 s backoff delay would blow this wait; an immediate restart does not.
            long second = tree.awaitReplaced("svc", first);
            assertThat(second).isNotEqualTo(first);
            assertThat(tree.node("svc").nextRestartMs()).isZero();
        }
    }

    @Test
    void childKilledBeforeMinUptimeWaitsAndShowsTheCountdown() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, LENIENT, sleeper("svc").withBackoff(SLOW)))) {
            tree.sigkill(tree.pid("svc"));

            tree.awaitState("svc", NodeStatus.State.RESTARTING);
            NodeStatus waiting = tree.node("svc");
            assertThat(waiting.nextRestartMs()).isBetween(20_000L, 30_000L);
            assertThat(waiting.pid()).isZero();
            RunningTree.during(Duration.ofSeconds(1)).until(() -> tree.node("svc").state() == NodeStatus.State.RESTARTING);
        }
    }

    @Test
    void restartOrStopByRequestCancelsAPendingBackoff() {
        Backoff halfSecond = new Backoff(Duration.ofSeconds(1), Duration.ofMillis(500), Duration.ofMillis(500), 2, 0);
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, LENIENT,
                sleeper("a").withBackoff(SLOW), sleeper("b").withBackoff(halfSecond)))) {
            long a = tree.pid("a");
            tree.sigkill(a);
            tree.awaitState("a", NodeStatus.State.RESTARTING);
            tree.root.restartChild("a").join();
            assertThat(tree.awaitReplaced("a", a)).isPositive();

            tree.sigkill(tree.pid("b"));
            tree.awaitState("b", NodeStatus.State.RESTARTING);
            tree.root.stopChild("b").join();
            // The pending restart (due after 500 ms) must not bring it back.
            RunningTree.during(Duration.ofMillis(1500)).until(() -> tree.node("b").state() == NodeStatus.State.STOPPED);
            assertThat(tree.node("b").restarts()).isZero();
        }
    }
}
