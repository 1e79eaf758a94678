package dev.pooly.supervisor;

import dev.pooly.testing.Pids;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.pooly.supervisor.Children.*;
import static dev.pooly.supervisor.RunningTree.during;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

class DynamicSupervisorTest {

    private static final ProcessSpec CAT = ProcessSpec.of("worker", "cat").withStdio(Stdio.CHANNEL).withShutdown(QUICK);

    private static RunningTree startWorkers(Intensity intensity, ProcessSpec template) {
        return RunningTree.start(root(Strategy.ONE_FOR_ONE, sleeper("other"),
                SupervisorSpec.dynamic("workers", intensity, template)));
    }

    private static ProcessChild startChild(RunningTree tree) throws Exception {
        ProcessChild child = workers(tree).startChild().get(5, TimeUnit.SECONDS);
        tree.track(child.pid());
        return child;
    }

    private static Supervisor workers(RunningTree tree) {
        return tree.root.supervisor("workers").orElseThrow();
    }

    @Test
    void startedChildsStdinAndStdoutRoundTripALine() throws Exception {
        try (var tree = startWorkers(LENIENT, CAT)) {
            ProcessChild child = startChild(tree);

            assertThat(child.isAlive()).isTrue();
            assertThat(roundTrip(child, "hello, worker")).isEqualTo("hello, worker");
            assertThat(roundTrip(child, "again")).isEqualTo("again");
        }
    }

    @Test
    void unreadOutputIsCountedWhileTheChildRunsAndAfterItExited() throws Exception {
        // We test this by leaving an echo unread: available() counts it while cat runs (on the
        // posix_spawn path, one ioctl on the pipe's kept descriptor) and still once cat is dead and
        // reaped (the kept descriptor is closed at the exit; the JDK's peek then answers).
        try (var tree = startWorkers(LENIENT, CAT)) {
            ProcessChild child = startChild(tree);
            child.stdin().write("unread\n".getBytes(StandardCharsets.UTF_8));
            child.stdin().flush();
            RunningTree.await().until(() -> child.stdout().available() == 7);

            child.kill();
            assertThat(child.exit()).succeedsWithin(Duration.ofSeconds(5));
            assertThat(child.isAlive()).as("the exit watch has seen the exit").isFalse();
            assertThat(child.stdout().available()).isEqualTo(7);
            assertThat(unreadLine(child)).isEqualTo("unread");
        }
    }

    private static String unreadLine(ProcessChild child) throws IOException {
        StringBuilder answer = new StringBuilder();
        int b;
        while ((b = child.stdout().read()) != -1 && b != '\n') answer.append((char) b);
        return answer.toString();
    }

    @Test
    void eachDynamicChildIsListedWithItsOwnIdAndPid() throws Exception {
        try (var tree = startWorkers(LENIENT, CAT)) {
            ProcessChild one = startChild(tree), two = startChild(tree);

            assertThat(one.id()).isNotEqualTo(two.id());
            assertThat(one.pid()).isNotEqualTo(two.pid());
            NodeStatus workers = tree.node("workers");
            assertThat(workers.children()).extracting(NodeStatus::id).containsExactlyInAnyOrder(one.id(), two.id());
            assertThat(tree.node(one.id()).pid()).isEqualTo(one.pid());
            assertThat(tree.node(two.id()).state()).isEqualTo(NodeStatus.State.RUNNING);
            assertThat(tree.node(two.id()).type()).isEqualTo(NodeStatus.Type.PROCESS);
        }
    }

    @Test
    void stoppingADynamicChildRemovesIt() throws Exception {
        try (var tree = startWorkers(LENIENT, CAT)) {
            ProcessChild child = startChild(tree), other = startChild(tree);

            tree.root.stopChild(child.id()).get(5, TimeUnit.SECONDS);

            assertThat(child.exit()).succeedsWithin(Duration.ofSeconds(2));
            assertThat(child.isAlive()).isFalse();
            assertThat(Pids.alive(child.pid())).isFalse();
            RunningTree.await().until(() -> tree.root.status().find(child.id()).isEmpty());
            assertThat(tree.node(other.id()).state()).isEqualTo(NodeStatus.State.RUNNING);
        }
    }

    @Test
    void killedDynamicChildExitsBySignal9AndIsNotRestarted() throws Exception {
        try (var tree = startWorkers(LENIENT, CAT)) {
            ProcessChild child = startChild(tree);

            child.kill();

            assertThat(child.exit()).succeedsWithin(Duration.ofSeconds(2)).isEqualTo(new ExitStatus.Signaled(9));
            RunningTree.await().until(() -> tree.root.status().find(child.id()).isEmpty());
            during(Duration.ofMillis(400)).until(() -> tree.node("workers").children().isEmpty());
            assertThat(tree.events.of(SupervisionEvent.Started.class).stream()
                    .filter(s -> s.path().startsWith("root/workers/")).count()).isEqualTo(1);
        }
    }

    @Test
    void dynamicChildThatEndsOnItsOwnIsRemovedAndNotRestarted() throws Exception {
        try (var tree = startWorkers(LENIENT, CAT)) {
            ProcessChild child = startChild(tree);

            child.stdin().close();

            assertThat(child.exit()).succeedsWithin(Duration.ofSeconds(2)).isEqualTo(new ExitStatus.Exited(0));
            RunningTree.await().until(() -> tree.root.status().find(child.id()).isEmpty());
            during(Duration.ofMillis(300)).until(() -> tree.node("workers").children().isEmpty());
        }
    }

    @Test
    void deathsOfDynamicChildrenDoNotCountTowardIntensity() throws Exception {
        try (var tree = startWorkers(intensity(0, Duration.ofSeconds(10)), CAT)) {
            for (int i = 0; i < 3; i++) {
                ProcessChild child = startChild(tree);
                child.kill();
                assertThat(child.exit()).succeedsWithin(Duration.ofSeconds(2));
            }
            during(Duration.ofMillis(300)).until(() -> tree.node("workers").state() == NodeStatus.State.RUNNING);
            assertThat(tree.node("workers").restarts()).isZero();
            assertThat(tree.events.of(SupervisionEvent.GaveUp.class)).isEmpty();
        }
    }

    @Test
    void dynamicChildThatCannotStartFailsItsFutureAndLeavesTheSupervisorRunning() {
        var template = ProcessSpec.of("worker", "/nonexistent/bin/x").withStdio(Stdio.CHANNEL);
        try (var tree = startWorkers(LENIENT, template)) {
            Throwable failure = catchThrowable(() -> workers(tree).startChild().get(5, TimeUnit.SECONDS));

            assertThat(failure).isInstanceOf(ExecutionException.class).cause()
                    .isInstanceOf(ChildStartException.class).hasMessageContaining("/nonexistent/bin/x");
            assertThat(tree.node("workers").state()).isEqualTo(NodeStatus.State.RUNNING);
            assertThat(tree.node("workers").children()).isEmpty();
            assertThat(workers(tree).termination()).isNotDone();
        }
    }

    @Test
    void startChildWithoutIdIsRejectedByAStaticSupervisor() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, sleeper("a")))) {
            assertThatThrownBy(() -> tree.root.startChild()).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void shutdownStopsEveryDynamicChild() throws Exception {
        var tree = startWorkers(LENIENT, CAT);
        ProcessChild one, two;
        try (tree) {
            one = startChild(tree);
            two = startChild(tree);
        }
        assertThat(one.exit()).isDone();
        assertThat(two.exit()).isDone();
        assertThat(Pids.alive(java.util.List.of(one.pid(), two.pid()))).isEmpty();
    }

    @Test
    void dynamicChildrenCanBeStartedOnARootDynamicSupervisor() throws Exception {
        try (var tree = RunningTree.start(SupervisorSpec.dynamic("root", LENIENT, CAT))) {
            ProcessChild child = tree.root.startChild().get(5, TimeUnit.SECONDS);
            tree.track(child.pid());
            assertThat(roundTrip(child, "x")).isEqualTo("x");
        }
    }

    static String roundTrip(ProcessChild child, String line) throws IOException {
        child.stdin().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        child.stdin().flush();
        // One byte at a time, so that nothing after the line is taken from the channel.
        StringBuilder answer = new StringBuilder();
        int b;
        while ((b = child.stdout().read()) != -1 && b != '\n') answer.append((char) b);
        return answer.toString();
    }
}
