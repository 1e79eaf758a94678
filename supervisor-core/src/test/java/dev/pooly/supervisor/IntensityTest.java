package dev.pooly.supervisor;

import dev.pooly.testing.Pids;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.pooly.supervisor.Children.*;
import static dev.pooly.supervisor.RunningTree.during;
import static org.assertj.core.api.Assertions.assertThat;

class IntensityTest {

    private static final Duration TEN_SECONDS = Duration.ofSeconds(10);

    @Test
    void restartsWithinTheIntensityKeepTheSupervisorRunning() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, intensity(2, TEN_SECONDS), sleeper("a")))) {
            long pid = tree.pid("a");
            for (int i = 0; i < 2; i++) {
                tree.sigkill(pid);
                pid = tree.awaitReplaced("a", pid);
            }
            during(Duration.ofMillis(300)).until(() -> !tree.root.termination().isDone());
            assertThat(tree.node("a").restarts()).isEqualTo(2);
            assertThat(tree.events.of(SupervisionEvent.GaveUp.class)).isEmpty();
        }
    }

    @Test
    void rootThatExceedsItsIntensityCrashesAndStopsAllItsChildren() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, intensity(2, TEN_SECONDS),
                sleeper("a"), withTwoGrandchildren("b"), sleeper("victim")))) {
            long a = tree.pid("a"), b = tree.pid("b");
            tree.track(ShutdownTest.awaitDescendants(b, 2));
            long victim = tree.pid("victim");
            for (int i = 0; i < 2; i++) {
                tree.sigkill(victim);
                victim = tree.awaitReplaced("victim", victim);
            }

            tree.sigkill(victim);

            assertThat(tree.awaitTermination()).isInstanceOf(ExitStatus.Crashed.class);
            assertThat(tree.events.of(SupervisionEvent.GaveUp.class)).singleElement()
                    .satisfies(e -> assertThat(e.id()).isEqualTo("root"));
            Pids.awaitDead(a, b, victim);
        }
    }

    @Test
    void restartsOlderThanThePeriodDoNotCount() {
        // We test this by spacing two restarts further apart than a 600 ms period that allows one.
        Duration period = Duration.ofMillis(600);
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, intensity(1, period), sleeper("a")))) {
            long pid = tree.pid("a");
            tree.sigkill(pid);
            pid = tree.awaitReplaced("a", pid);

            // The sliding window is the behaviour under test, so time has to pass.
            org.awaitility.Awaitility.await().pollDelay(period.plusMillis(200)).until(() -> true);
            tree.sigkill(pid);

            tree.awaitReplaced("a", pid);
            during(Duration.ofMillis(300)).until(() -> !tree.root.termination().isDone());
        }
    }

    @Test
    void nestedSupervisorThatGivesUpIsRestartedByItsParent() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, intensity(5, TEN_SECONDS),
                sleeper("sibling"),
                nested("backend", Strategy.ONE_FOR_ONE, intensity(1, TEN_SECONDS), sleeper("x"), sleeper("y"))))) {
            long sibling = tree.pid("sibling"), y = tree.pid("y");
            long x = tree.pid("x");
            tree.sigkill(x);
            x = tree.awaitReplaced("x", x);

            tree.sigkill(x);

            RunningTree.await().until(() -> tree.node("backend").restarts() == 1);
            long newY = tree.awaitReplaced("y", y);
            tree.awaitReplaced("x", x);
            assertThat(newY).isNotEqualTo(y);
            Pids.awaitDead(x, y);
            assertThat(tree.events.of(SupervisionEvent.GaveUp.class)).singleElement()
                    .satisfies(e -> {
                        assertThat(e.id()).isEqualTo("backend");
                        assertThat(e.path()).isEqualTo("root/backend");
                    });
            assertThat(tree.events.of(SupervisionEvent.Exited.class, "backend"))
                    .extracting(SupervisionEvent.Exited::status).singleElement().isInstanceOf(ExitStatus.Crashed.class);
            assertThat(tree.root.termination()).isNotDone();
            assertThat(tree.pid("sibling")).isEqualTo(sibling);
            assertThat(tree.node("backend").state()).isEqualTo(NodeStatus.State.RUNNING);
        }
    }

    @Test
    void nestedSupervisorGivingUpRepeatedlyEscalatesToTheRoot() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, intensity(1, TEN_SECONDS),
                sleeper("sibling"),
                nested("backend", Strategy.ONE_FOR_ONE, intensity(0, TEN_SECONDS), sleeper("x"))))) {
            long sibling = tree.pid("sibling");
            long x = tree.pid("x");
            tree.sigkill(x);
            x = tree.awaitReplaced("x", x);
            assertThat(tree.node("backend").restarts()).isEqualTo(1);

            tree.sigkill(x);

            assertThat(tree.awaitTermination()).isInstanceOf(ExitStatus.Crashed.class);
            assertThat(tree.events.of(SupervisionEvent.GaveUp.class)).extracting(SupervisionEvent::id)
                    .containsExactly("backend", "backend", "root");
            Pids.awaitDead(List.of(sibling, x));
        }
    }

    @Test
    void zeroRestartsMeansTheFirstCrashMakesTheSupervisorGiveUp() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, intensity(0, TEN_SECONDS), sleeper("a"), sleeper("b")))) {
            long a = tree.pid("a"), b = tree.pid("b");

            tree.sigkill(a);

            assertThat(tree.awaitTermination()).isInstanceOf(ExitStatus.Crashed.class);
            Pids.awaitDead(b);
            assertThat(tree.events.count(SupervisionEvent.Started.class, "a")).isEqualTo(1);
        }
    }
}
