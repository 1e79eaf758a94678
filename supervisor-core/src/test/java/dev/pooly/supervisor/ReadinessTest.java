package dev.pooly.supervisor;

import dev.pooly.testing.Pids;
import dev.pooly.testing.EventLog;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.pooly.supervisor.Children.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

class ReadinessTest {

    @TempDir Path dir;

    @Test
    void childIsRunningOnlyOnceItPrintsItsReadyLine() throws Exception {
        long t0 = System.nanoTime();
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE,
                shell("web", "echo booting; sleep 0.3; echo READY; exec sleep 300")
                        .withReadiness(Readiness.line("READY", Duration.ofSeconds(3)))))) {
            long took = (System.nanoTime() - t0) / 1_000_000;

            assertThat(took).as("ms until start returned").isGreaterThanOrEqualTo(300);
            assertThat(tree.node("web").state()).isEqualTo(NodeStatus.State.RUNNING);
            assertThat(tree.events.of(SupervisionEvent.Started.class, "web")).singleElement()
                    .satisfies(s -> assertThat(s.pid()).isEqualTo(tree.pid("web")));
        }
    }

    @Test
    void childIsStartingUntilItIsReady() throws Exception {
        // We test this by holding a stopped child's readiness line back until a file appears.
        Path go = dir.resolve("go");
        Files.createFile(go);
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE,
                shell("web", "while [ ! -e \"$GO\" ]; do sleep 0.02; done; echo READY; exec sleep 300")
                        .withEnv(Map.of("GO", go.toString()))
                        .withReadiness(Readiness.line("READY", Duration.ofSeconds(4)))))) {
            tree.root.stopChild("web").get(5, TimeUnit.SECONDS);
            Files.delete(go);

            var started = tree.root.startChild("web");

            tree.awaitState("web", NodeStatus.State.STARTING);
            assertThat(started).isNotDone();
            Files.createFile(go);
            started.get(5, TimeUnit.SECONDS);
            assertThat(tree.node("web").state()).isEqualTo(NodeStatus.State.RUNNING);
        }
    }

    @Test
    void childThatNeverPrintsItsReadyLineFailsToStartAfterTheTimeoutAndIsKilled() throws IOException {
        Path pids = dir.resolve("pids");
        var leaks = RunningTree.Leaks.watch();
        var events = new EventLog();
        long t0 = System.nanoTime();

        Throwable thrown = catchThrowable(() -> SupervisionTree.start(root(Strategy.ONE_FOR_ONE, intensity(0, Duration.ofSeconds(5)),
                shell("mute", "echo $$ >> \"$PIDS\"; echo not-it; exec sleep 300")
                        .withEnv(Map.of("PIDS", pids.toString()))
                        .withReadiness(Readiness.line("READY", Duration.ofMillis(400)))), events));

        long took = (System.nanoTime() - t0) / 1_000_000;
        // Which child failed is in the message; the exact childId is StartFailureTest's concern.
        assertThat(thrown).isInstanceOf(ChildStartException.class).hasMessageContaining("mute");
        assertThat(took).isGreaterThanOrEqualTo(400);
        List<Long> spawned = Files.readAllLines(pids).stream().map(String::trim).map(Long::parseLong).toList();
        assertThat(spawned).isNotEmpty();
        spawned.forEach(leaks::track);
        leaks.assertNoneLeft(events.pids());
    }

    @Test
    void delayReadinessWaitsTheDelayBeforeTheChildCountsAsStarted() {
        long t0 = System.nanoTime();
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE,
                sleeper("slow").withReadiness(Readiness.delay(Duration.ofMillis(300)))))) {
            long took = (System.nanoTime() - t0) / 1_000_000;
            assertThat(took).isGreaterThanOrEqualTo(300);
            assertThat(tree.node("slow").state()).isEqualTo(NodeStatus.State.RUNNING);
        }
    }

    @Test
    void delayReadinessFailsWhenTheProcessDiesWithinTheDelay() {
        var leaks = RunningTree.Leaks.watch();
        var events = new EventLog();

        Throwable thrown = catchThrowable(() -> SupervisionTree.start(root(Strategy.ONE_FOR_ONE, intensity(0, Duration.ofSeconds(5)),
                shell("flaky", "sleep 0.1; exit 0").withReadiness(Readiness.delay(Duration.ofSeconds(1)))), events));

        // Which child failed is in the message; the exact childId is StartFailureTest's concern.
        assertThat(thrown).isInstanceOf(ChildStartException.class).hasMessageContaining("flaky");
        assertThat(events.of(SupervisionEvent.StartFailed.class, "flaky")).isNotEmpty();
        assertThat(events.of(SupervisionEvent.Started.class, "flaky")).isEmpty();
        leaks.assertNoneLeft(events.pids());
    }

    @Test
    void channelStartsAfterTheReadyLine() throws Exception {
        var template = ProcessSpec.of("worker", "sh", "-c", "echo READY; exec cat")
                .withStdio(Stdio.CHANNEL).withShutdown(QUICK)
                .withReadiness(Readiness.line("READY", Duration.ofSeconds(3)));
        try (var tree = RunningTree.start(SupervisorSpec.dynamic("root", LENIENT, template))) {
            ProcessChild child = tree.root.startChild().get(5, TimeUnit.SECONDS);
            tree.track(child.pid());

            child.stdin().write("ping\n".getBytes(StandardCharsets.UTF_8));
            child.stdin().flush();

            var out = new BufferedReader(new InputStreamReader(child.stdout(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("ping");
        }
    }

    @Test
    void channelChildWhoseFirstLineIsNotTheReadyLineFailsToStart() throws IOException {
        Path pids = dir.resolve("pids");
        var template = ProcessSpec.of("worker", "sh", "-c", "echo $$ >> \"$PIDS\"; echo hello; echo READY; exec cat")
                .withEnv(Map.of("PIDS", pids.toString()))
                .withStdio(Stdio.CHANNEL).withShutdown(QUICK)
                .withReadiness(Readiness.line("READY", Duration.ofSeconds(3)));
        try (var tree = RunningTree.start(SupervisorSpec.dynamic("root", LENIENT, template))) {
            Throwable failure = catchThrowable(() -> tree.root.startChild().get(5, TimeUnit.SECONDS));

            assertThat(failure).isInstanceOf(ExecutionException.class).cause().isInstanceOf(ChildStartException.class);
            List<Long> spawned = Files.readAllLines(pids).stream().map(String::trim).map(Long::parseLong).toList();
            tree.track(spawned);
            Pids.awaitDead(spawned);
            assertThat(tree.root.termination()).isNotDone();
        }
    }

    /** The race this guards against is lost only now and then on a warm JVM, so try often. */
    private static final int QUICK_EXITS = 80;

    @Test
    void immediatelyReadyChildThatExitsAtOnceHasStartedAndExitedRatherThanFailedToStart() {
        // We test this by starting many transient children that exit 0 at once: each must count as
        // started and then exited normally (not restarted), never as a failed start, which would be
        // retried and, with an intensity of zero, make the root start fail.
        ChildSpec[] quick = java.util.stream.IntStream.range(0, QUICK_EXITS)
                .mapToObj(i -> ProcessSpec.of("quick" + i, "true").withRestart(RestartType.TRANSIENT))
                .toArray(ChildSpec[]::new);
        var leaks = RunningTree.Leaks.watch();
        var events = new EventLog();

        Throwable thrown = catchThrowable(() -> SupervisionTree.start(root(Strategy.ONE_FOR_ONE,
                intensity(0, Duration.ofSeconds(5)), quick), events).shutdown().get(5, TimeUnit.SECONDS));

        assertThat(thrown).as("events %s", events).isNull();
        assertThat(events.of(SupervisionEvent.StartFailed.class)).isEmpty();
        assertThat(events.of(SupervisionEvent.Started.class)).hasSize(QUICK_EXITS);
        leaks.assertNoneLeft(events.pids());
    }
}
