package dev.pooly.supervisor;

import dev.pooly.testing.Pids;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static dev.pooly.supervisor.Children.*;
import static dev.pooly.supervisor.RunningTree.during;
import static org.assertj.core.api.Assertions.assertThat;

class RestartTypeTest {

    @TempDir Path dir;

    @Test
    void permanentChildIsRestartedAfterANormalExit() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE,
                exitsOnceThenRuns("p", 0).withRestart(RestartType.PERMANENT)))) {
            tree.awaitState("p", NodeStatus.State.RUNNING);
            RunningTree.await().until(() -> tree.events.count(SupervisionEvent.Started.class, "p") == 2);
            assertThat(tree.node("p").restarts()).isEqualTo(1);
            assertThat(tree.events.of(SupervisionEvent.Exited.class, "p"))
                    .extracting(SupervisionEvent.Exited::status).containsExactly(new ExitStatus.Exited(0));
        }
    }

    @Test
    void permanentChildIsRestartedAfterBeingKilled() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, sleeper("p")))) {
            long pid = tree.pid("p");
            tree.sigkill(pid);
            tree.awaitReplaced("p", pid);
        }
    }

    @Test
    void transientChildIsNotRestartedAfterANormalExit() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, sleeper("other"),
                shell("t", "exit 0").withRestart(RestartType.TRANSIENT)))) {
            RunningTree.await().until(() -> tree.events.count(SupervisionEvent.Exited.class, "t") == 1);
            assertThat(tree.events.of(SupervisionEvent.Exited.class, "t").getFirst().status())
                    .isEqualTo(new ExitStatus.Exited(0));

            staysDown(tree, "t");
            assertThat(tree.events.of(SupervisionEvent.Restarting.class, "t")).isEmpty();
        }
    }

    @Test
    void transientChildIsRestartedAfterANonZeroExit() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE,
                exitsOnceThenRuns("t", 3).withRestart(RestartType.TRANSIENT)))) {
            RunningTree.await().until(() -> tree.events.count(SupervisionEvent.Started.class, "t") == 2);
            tree.awaitState("t", NodeStatus.State.RUNNING);
            assertThat(tree.events.of(SupervisionEvent.Exited.class, "t"))
                    .extracting(SupervisionEvent.Exited::status).containsExactly(new ExitStatus.Exited(3));
            assertThat(tree.node("t").restarts()).isEqualTo(1);
        }
    }

    @Test
    void transientChildIsRestartedAfterBeingKilledBySignal() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE,
                sleeper("t").withRestart(RestartType.TRANSIENT)))) {
            long pid = tree.pid("t");

            tree.sigkill(pid);

            tree.awaitReplaced("t", pid);
            assertThat(tree.events.of(SupervisionEvent.Exited.class, "t"))
                    .extracting(SupervisionEvent.Exited::status).containsExactly(new ExitStatus.Signaled(9));
        }
    }

    @Test
    void transientChildStoppedByItsSupervisorIsNotRestarted() throws Exception {
        // A SIGTERM the supervisor sends itself is a stop, not a crash, even for a transient child.
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE,
                sleeper("t").withRestart(RestartType.TRANSIENT)))) {
            long pid = tree.pid("t");

            tree.root.stopChild("t").get();

            Pids.awaitDead(pid);
            staysDown(tree, "t");
            assertThat(tree.events.of(SupervisionEvent.Exited.class, "t"))
                    .extracting(SupervisionEvent.Exited::status).containsExactly(new ExitStatus.Shutdown());
        }
    }

    @Test
    void temporaryChildIsNotRestartedAfterAnAbnormalExit() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, sleeper("other"),
                shell("tmp", "exit 3").withRestart(RestartType.TEMPORARY)))) {
            RunningTree.await().until(() -> tree.events.count(SupervisionEvent.Exited.class, "tmp") == 1);
            assertThat(tree.events.of(SupervisionEvent.Exited.class, "tmp").getFirst().status())
                    .isEqualTo(new ExitStatus.Exited(3));

            staysDown(tree, "tmp");
        }
    }

    @Test
    void temporaryChildIsNotRestartedAfterBeingKilled() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, sleeper("other"),
                sleeper("tmp").withRestart(RestartType.TEMPORARY)))) {
            long pid = tree.pid("tmp");

            tree.sigkill(pid);

            RunningTree.await().until(() -> tree.events.count(SupervisionEvent.Exited.class, "tmp") == 1);
            staysDown(tree, "tmp");
        }
    }

    @Test
    void temporaryChildIsNotRestartedWhenASiblingsFailureRestartsTheOthers() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ALL,
                sleeper("a"), sleeper("tmp").withRestart(RestartType.TEMPORARY), sleeper("c")))) {
            long a = tree.pid("a"), tmp = tree.pid("tmp"), c = tree.pid("c");

            tree.sigkill(a);

            tree.awaitReplaced("a", a);
            tree.awaitReplaced("c", c);
            Pids.awaitDead(tmp);
            staysDown(tree, "tmp");
            assertThat(tree.events.count(SupervisionEvent.Started.class, "tmp")).isEqualTo(1);
        }
    }

    @Test
    void exitStatusesAreReportedAsExitedOrSignaled() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE,
                shell("three", "exit 3").withRestart(RestartType.TEMPORARY),
                sleeper("killed").withRestart(RestartType.TEMPORARY),
                sleeper("termed").withRestart(RestartType.TEMPORARY)))) {
            tree.sigkill(tree.pid("killed"));
            Pids.sigterm(tree.pid("termed"));

            RunningTree.await().until(() -> tree.events.of(SupervisionEvent.Exited.class).size() >= 3);
            assertThat(tree.events.of(SupervisionEvent.Exited.class, "three").getFirst().status())
                    .isEqualTo(new ExitStatus.Exited(3));
            assertThat(tree.events.of(SupervisionEvent.Exited.class, "killed").getFirst().status())
                    .isEqualTo(new ExitStatus.Signaled(9));
            assertThat(tree.events.of(SupervisionEvent.Exited.class, "termed").getFirst().status())
                    .isEqualTo(new ExitStatus.Signaled(15));
        }
    }

    @Test
    void restartTypeTableMatchesOtp() {
        ExitStatus normal = new ExitStatus.Exited(0), failed = new ExitStatus.Exited(1),
                killed = new ExitStatus.Signaled(9), stopped = new ExitStatus.Shutdown(), crashed = new ExitStatus.Crashed("x");
        assertThat(RestartType.PERMANENT.restartsAfter(normal)).isTrue();
        assertThat(RestartType.PERMANENT.restartsAfter(killed)).isTrue();
        assertThat(RestartType.TRANSIENT.restartsAfter(normal)).isFalse();
        assertThat(RestartType.TRANSIENT.restartsAfter(stopped)).isFalse();
        assertThat(RestartType.TRANSIENT.restartsAfter(failed)).isTrue();
        assertThat(RestartType.TRANSIENT.restartsAfter(killed)).isTrue();
        assertThat(RestartType.TRANSIENT.restartsAfter(crashed)).isTrue();
        assertThat(RestartType.TEMPORARY.restartsAfter(failed)).isFalse();
        assertThat(RestartType.TEMPORARY.restartsAfter(killed)).isFalse();
        assertThat(ExitStatus.ofExitValue(137)).isEqualTo(killed);
        assertThat(ExitStatus.ofExitValue(3)).isEqualTo(new ExitStatus.Exited(3));
    }

    /** A child that exits with {@code code} the first time and runs until stopped afterwards. */
    private ProcessSpec exitsOnceThenRuns(String id, int code) {
        Path marker = dir.resolve(id + ".ran");
        return shell(id, "if [ -e \"$MARKER\" ]; then exec sleep 300; fi; touch \"$MARKER\"; exit " + code)
                .withEnv(Map.of("MARKER", marker.toString()));
    }

    /** {@code id} is not running and gets no new process for a while (gone from the tree, or stopped). */
    private static void staysDown(RunningTree tree, String id) {
        during(Duration.ofMillis(400)).until(() -> tree.root.status().find(id)
                .map(n -> n.state() != NodeStatus.State.RUNNING && n.state() != NodeStatus.State.STARTING && n.pid() == 0)
                .orElse(true));
        assertThat(tree.events.count(SupervisionEvent.Started.class, id)).isEqualTo(1);
    }
}
