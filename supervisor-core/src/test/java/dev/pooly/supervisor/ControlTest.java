package dev.pooly.supervisor;

import dev.pooly.testing.Pids;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static dev.pooly.supervisor.Children.*;
import static dev.pooly.supervisor.RunningTree.during;
import static org.assertj.core.api.Assertions.assertThat;

class ControlTest {

    @Test
    void stoppedChildStaysStoppedUntilItIsStarted() throws Exception {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, sleeper("a"), sleeper("b")))) {
            long a = tree.pid("a"), b = tree.pid("b");

            tree.root.stopChild("a").get(5, TimeUnit.SECONDS);

            assertThat(Pids.alive(a)).isFalse();
            during(Duration.ofMillis(400)).untilAsserted(() -> {
                NodeStatus node = tree.node("a");
                assertThat(node.state()).isEqualTo(NodeStatus.State.STOPPED);
                assertThat(node.pid()).isZero();
            });
            assertThat(tree.pid("b")).isEqualTo(b);

            tree.root.startChild("a").get(5, TimeUnit.SECONDS);

            assertThat(tree.node("a").state()).isEqualTo(NodeStatus.State.RUNNING);
            assertThat(tree.pid("a")).isNotEqualTo(a);
        }
    }

    @Test
    void stoppedChildIsNotRestartedWhenASiblingsFailureRestartsTheOthers() throws Exception {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ALL, sleeper("a"), sleeper("b")))) {
            long a = tree.pid("a");
            tree.root.stopChild("b").get(5, TimeUnit.SECONDS);

            tree.sigkill(a);

            tree.awaitReplaced("a", a);
            during(Duration.ofMillis(300)).until(() -> tree.node("b").state() == NodeStatus.State.STOPPED);
        }
    }

    @Test
    void restartChildGivesANewPidWithoutCountingTowardIntensity() throws Exception {
        // With an intensity of zero, a single counted restart would make the root give up.
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, intensity(0, Duration.ofSeconds(10)),
                sleeper("a"), sleeper("b")))) {
            long b = tree.pid("b");
            long a = tree.pid("a");
            for (int i = 0; i < 3; i++) {
                tree.root.restartChild("a").get(5, TimeUnit.SECONDS);
                long next = tree.pid("a");
                assertThat(next).isNotEqualTo(a);
                Pids.awaitDead(a);
                a = next;
            }
            during(Duration.ofMillis(300)).until(() -> !tree.root.termination().isDone());
            assertThat(tree.pid("b")).isEqualTo(b);
            assertThat(tree.events.of(SupervisionEvent.GaveUp.class)).isEmpty();
        }
    }

    @Test
    void killChildOfAProcessCrashesItAndItIsRestarted() throws Exception {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, sleeper("a")))) {
            long a = tree.pid("a");

            tree.root.killChild("a").get(5, TimeUnit.SECONDS);

            tree.awaitReplaced("a", a);
            assertThat(tree.events.of(SupervisionEvent.Exited.class, "a"))
                    .extracting(SupervisionEvent.Exited::status).containsExactly(new ExitStatus.Signaled(9));
            assertThat(tree.node("a").restarts()).isEqualTo(1);
        }
    }

    @Test
    void killChildOfANestedSupervisorMakesTheParentApplyItsStrategy() throws Exception {
        try (var tree = RunningTree.start(root(Strategy.REST_FOR_ONE,
                sleeper("before"),
                nested("backend", Strategy.ONE_FOR_ONE, LENIENT, sleeper("x"), withTwoGrandchildren("y")),
                sleeper("after")))) {
            long before = tree.pid("before"), x = tree.pid("x"), y = tree.pid("y"), after = tree.pid("after");
            List<Long> grandchildren = ShutdownTest.awaitDescendants(y, 2);
            tree.track(grandchildren);

            tree.root.killChild("backend").get(5, TimeUnit.SECONDS);

            tree.awaitReplaced("x", x);
            tree.awaitReplaced("y", y);
            tree.awaitReplaced("after", after);
            Pids.awaitDead(x, y, after);
            Pids.awaitDead(grandchildren);
            assertThat(tree.pid("before")).isEqualTo(before);
            assertThat(tree.node("backend").restarts()).isEqualTo(1);
            assertThat(tree.events.of(SupervisionEvent.Exited.class, "backend"))
                    .extracting(SupervisionEvent.Exited::status).singleElement().isInstanceOf(ExitStatus.Crashed.class);
        }
    }

    @Test
    void requestsReachChildrenOfNestedSupervisors() throws Exception {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE,
                nested("backend", Strategy.ONE_FOR_ONE, LENIENT, sleeper("x"))))) {
            long x = tree.pid("x");

            tree.root.stopChild("x").get(5, TimeUnit.SECONDS);
            assertThat(tree.node("x").state()).isEqualTo(NodeStatus.State.STOPPED);
            assertThat(Pids.alive(x)).isFalse();

            tree.root.startChild("x").get(5, TimeUnit.SECONDS);
            assertThat(tree.node("x").state()).isEqualTo(NodeStatus.State.RUNNING);
        }
    }

    @Test
    void stoppedNestedSupervisorStopsItsChildrenAndStartsThemAgain() throws Exception {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE,
                nested("backend", Strategy.ONE_FOR_ONE, LENIENT, sleeper("x"), sleeper("y"))))) {
            long x = tree.pid("x"), y = tree.pid("y");

            tree.root.stopChild("backend").get(5, TimeUnit.SECONDS);

            assertThat(Pids.alive(List.of(x, y))).isEmpty();
            assertThat(tree.node("backend").state()).isEqualTo(NodeStatus.State.STOPPED);

            tree.root.startChild("backend").get(5, TimeUnit.SECONDS);

            assertThat(tree.node("backend").state()).isEqualTo(NodeStatus.State.RUNNING);
            assertThat(tree.pid("x")).isNotEqualTo(x);
            assertThat(tree.pid("y")).isNotEqualTo(y);
        }
    }

    @Test
    void unknownIdsFailWithUnknownChildException() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, sleeper("a")))) {
            assertThat(failureOf(() -> tree.root.startChild("nope"))).isInstanceOf(UnknownChildException.class)
                    .hasMessageContaining("nope");
            assertThat(failureOf(() -> tree.root.stopChild("nope"))).isInstanceOf(UnknownChildException.class);
            assertThat(failureOf(() -> tree.root.restartChild("nope"))).isInstanceOf(UnknownChildException.class);
            assertThat(failureOf(() -> tree.root.killChild("nope"))).isInstanceOf(UnknownChildException.class);
            assertThat(tree.node("a").state()).isEqualTo(NodeStatus.State.RUNNING);
        }
    }

    @Test
    void requestsToATerminatedSupervisorFailWithIllegalState() throws Exception {
        var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, sleeper("a")));
        try (tree) {
            tree.root.shutdown().get(5, TimeUnit.SECONDS);
            tree.root.termination().get(5, TimeUnit.SECONDS);

            assertThat(failureOf(() -> tree.root.stopChild("a"))).isInstanceOf(IllegalStateException.class);
            assertThat(failureOf(() -> tree.root.startChild("a"))).isInstanceOf(IllegalStateException.class);
            assertThat(failureOf(() -> tree.root.killChild("a"))).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void supervisorLooksUpNestedSupervisorsByIdAndOnlySupervisors() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, sleeper("a"),
                nested("backend", Strategy.ONE_FOR_ONE, LENIENT,
                        nested("inner", Strategy.ONE_FOR_ONE, LENIENT, sleeper("x")))))) {
            assertThat(tree.root.id()).isEqualTo("root");
            assertThat(tree.root.supervisor("root")).containsSame(tree.root);
            assertThat(tree.root.supervisor("inner")).hasValueSatisfying(s -> {
                assertThat(s.id()).isEqualTo("inner");
                assertThat(s.status().find("x")).isPresent();
            });
            assertThat(tree.root.supervisor("a")).isEmpty();
            assertThat(tree.root.supervisor("nope")).isEmpty();
        }
    }

    @Test
    void statusDescribesTheTree() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, sleeper("a"),
                nested("backend", Strategy.ONE_FOR_ONE, LENIENT, sleeper("x"))))) {
            NodeStatus root = tree.root.status();

            assertThat(root.id()).isEqualTo("root");
            assertThat(root.type()).isEqualTo(NodeStatus.Type.SUPERVISOR);
            assertThat(root.state()).isEqualTo(NodeStatus.State.RUNNING);
            assertThat(root.children()).extracting(NodeStatus::id).containsExactly("a", "backend");
            assertThat(root.children().get(0).type()).isEqualTo(NodeStatus.Type.PROCESS);
            assertThat(root.children().get(1).type()).isEqualTo(NodeStatus.Type.SUPERVISOR);
            assertThat(root.children().get(1).pid()).isZero();
            assertThat(tree.events.of(SupervisionEvent.Started.class, "x")).singleElement()
                    .satisfies(s -> assertThat(s.pid()).isEqualTo(tree.pid("x")));
            assertThat(Pids.alive(tree.pid("x"))).isTrue();
        }
    }

    /** The failure of a request, whether it threw at once or failed its future. */
    private static Throwable failureOf(Supplier<CompletableFuture<?>> request) {
        try {
            request.get().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException | CompletionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
        throw new AssertionError("the request succeeded");
    }
}
