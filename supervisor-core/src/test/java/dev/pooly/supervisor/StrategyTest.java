package dev.pooly.supervisor;

import dev.pooly.testing.Pids;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.pooly.supervisor.Children.*;
import static dev.pooly.supervisor.RunningTree.await;
import static dev.pooly.supervisor.RunningTree.during;
import static org.assertj.core.api.Assertions.assertThat;

class StrategyTest {

    @TempDir Path dir;

    @Test
    void oneForOneRestartsOnlyTheChildThatDied() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, sleeper("a"), sleeper("b"), sleeper("c")))) {
            long a = tree.pid("a"), b = tree.pid("b"), c = tree.pid("c");

            tree.sigkill(b);

            long newB = tree.awaitReplaced("b", b);
            assertThat(newB).isNotEqualTo(b);
            Pids.awaitDead(b);
            keepTheirPids(tree, Map.of("a", a, "c", c));
            assertThat(tree.node("b").restarts()).isEqualTo(1);
            assertThat(tree.node("a").restarts()).isZero();
            assertThat(tree.node("c").restarts()).isZero();
        }
    }

    @Test
    void oneForAllRestartsEverySibling() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ALL, sleeper("a"), sleeper("b"), sleeper("c")))) {
            long a = tree.pid("a"), b = tree.pid("b"), c = tree.pid("c");

            tree.sigkill(b);

            tree.awaitReplaced("a", a);
            tree.awaitReplaced("b", b);
            tree.awaitReplaced("c", c);
            Pids.awaitDead(a, b, c);
        }
    }

    @Test
    void restForOneRestartsTheChildAndThoseStartedAfterIt() {
        try (var tree = RunningTree.start(root(Strategy.REST_FOR_ONE,
                sleeper("a"), sleeper("b"), sleeper("c"), sleeper("d")))) {
            long a = tree.pid("a"), b = tree.pid("b"), c = tree.pid("c"), d = tree.pid("d");

            tree.sigkill(b);

            tree.awaitReplaced("b", b);
            tree.awaitReplaced("c", c);
            tree.awaitReplaced("d", d);
            Pids.awaitDead(b, c, d);
            keepTheirPids(tree, Map.of("a", a));
        }
    }

    @Test
    void restForOneRestartsOnlyTheLastChildWhenItDies() {
        try (var tree = RunningTree.start(root(Strategy.REST_FOR_ONE, sleeper("a"), sleeper("b"), sleeper("c")))) {
            long a = tree.pid("a"), b = tree.pid("b"), c = tree.pid("c");

            tree.sigkill(c);

            tree.awaitReplaced("c", c);
            keepTheirPids(tree, Map.of("a", a, "b", b));
        }
    }

    @Test
    void childrenStartInListOrderAndStopInReverseOrder() throws IOException {
        // We test this by having each child append to one file when it starts (before it prints its
        // readiness line, so the next one cannot have started yet) and from its SIGTERM trap.
        Path order = dir.resolve("order.log");
        var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE,
                recordingOrder("a", order), recordingOrder("b", order), recordingOrder("c", order)));
        try (tree) {
            assertThat(tree.events.ids(SupervisionEvent.Started.class)).containsExactly("a", "b", "c");
        }
        assertThat(Files.readAllLines(order))
                .containsExactly("start a", "start b", "start c", "stop c", "stop b", "stop a");
        assertThat(tree.events.ids(SupervisionEvent.Exited.class)).filteredOn(id -> !id.equals("root"))
                .containsExactly("c", "b", "a");
    }

    @Test
    void oneForAllStopsTheOthersInReverseOrderThenStartsAllInListOrder() throws IOException {
        Path order = dir.resolve("order.log");
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ALL,
                recordingOrder("a", order), recordingOrder("b", order), recordingOrder("c", order)))) {
            long a = tree.pid("a"), c = tree.pid("c");

            tree.sigkill(a);

            tree.awaitReplaced("a", a);
            tree.awaitReplaced("c", c);
            await().until(() -> Files.readAllLines(order).size() >= 8);
            assertThat(Files.readAllLines(order)).containsExactly(
                    "start a", "start b", "start c",
                    "stop c", "stop b",
                    "start a", "start b", "start c");
        }
    }

    @Test
    void oneForAllRestartCountsOnceTowardIntensityNotOncePerSibling() {
        // One restart is allowed; if each of the three restarted siblings counted, the root would give up.
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ALL, intensity(1, Duration.ofSeconds(10)),
                sleeper("a"), sleeper("b"), sleeper("c")))) {
            long b = tree.pid("b"), c = tree.pid("c");

            tree.sigkill(b);

            tree.awaitReplaced("b", b);
            tree.awaitReplaced("c", c);
            during(Duration.ofMillis(300)).until(() -> !tree.root.termination().isDone());
            assertThat(tree.events.of(SupervisionEvent.GaveUp.class)).isEmpty();
        }
    }

    @Test
    void eventsNameTheNodeByItsPathFromTheRoot() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE,
                nested("backend", Strategy.ONE_FOR_ONE, LENIENT, sleeper("x"))))) {
            assertThat(tree.events.of(SupervisionEvent.Started.class, "x"))
                    .singleElement().satisfies(e -> {
                        assertThat(e.path()).isEqualTo("root/backend/x");
                        assertThat(e.pid()).isEqualTo(tree.pid("x"));
                    });
            assertThat(tree.events.of(SupervisionEvent.Started.class, "backend"))
                    .singleElement().satisfies(e -> assertThat(e.path()).isEqualTo("root/backend"));
        }
    }

    /** A child that writes "start ID" and, from its TERM trap, "stop ID" to {@code file}. */
    private static ProcessSpec recordingOrder(String id, Path file) {
        return shell(id, "echo \"start $ID\" >> \"$ORDER\"; "
                + "trap 'echo \"stop $ID\" >> \"$ORDER\"; exit 0' TERM; "
                + "echo READY; sleep 300 & wait")
                .withEnv(Map.of("ID", id, "ORDER", file.toString()))
                .withReadiness(Readiness.line("READY", Duration.ofSeconds(3)));
    }

    /** Each of {@code pids} keeps running under the same pid for a while: it was not restarted. */
    private static void keepTheirPids(RunningTree tree, Map<String, Long> pids) {
        during(Duration.ofMillis(300)).untilAsserted(() -> pids.forEach((id, pid) -> {
            assertThat(tree.node(id).pid()).as("pid of %s", id).isEqualTo(pid);
            assertThat(tree.node(id).state()).as("state of %s", id).isEqualTo(NodeStatus.State.RUNNING);
        }));
        assertThat(Pids.alive(List.copyOf(pids.values()))).containsExactlyInAnyOrderElementsOf(pids.values());
    }
}
