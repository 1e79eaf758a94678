package dev.pooly.supervisor;

import dev.pooly.testing.Pids;
import dev.pooly.testing.EventLog;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.pooly.supervisor.Children.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

class StartFailureTest {

    private static final String MISSING = "/nonexistent/bin/x";

    @TempDir Path dir;

    @Test
    void rootStartThatCanNeverSucceedThrowsNamingTheChildAndLeavesNothingRunning() {
        var leaks = RunningTree.Leaks.watch();
        var events = new EventLog();

        Throwable thrown = catchThrowable(() -> SupervisionTree.start(root(Strategy.ONE_FOR_ONE,
                sleeper("first"), withTwoGrandchildren("second"), ProcessSpec.of("bad", MISSING)), events));

        assertThat(events.of(SupervisionEvent.StartFailed.class, "bad")).isNotEmpty()
                .allSatisfy(f -> assertThat(f.error()).contains(MISSING));
        assertThat(events.of(SupervisionEvent.Started.class, "first")).isNotEmpty();
        leaks.assertNoneLeft(events.pids());
        assertThat(thrown).isInstanceOfSatisfying(ChildStartException.class, e -> {
            assertThat(e).hasMessageContaining(MISSING);
            assertThat(e.childId()).as("the child the exception names").isEqualTo("bad");
        });
    }

    @Test
    void commandNotOnThePathIsAStartFailureNamingIt() {
        var leaks = RunningTree.Leaks.watch();
        var events = new EventLog();

        assertThatThrownBy(() -> SupervisionTree.start(root(Strategy.ONE_FOR_ONE,
                ProcessSpec.of("bad", "pooly-no-such-command", "--flag")), events))
                .isInstanceOf(ChildStartException.class)
                .hasMessageContaining("pooly-no-such-command");
        assertThat(events.of(SupervisionEvent.StartFailed.class, "bad")).isNotEmpty()
                .allSatisfy(f -> assertThat(f.error()).contains("pooly-no-such-command"));
        leaks.assertNoneLeft(events.pids());
    }

    @Test
    void failedRestartIsReportedAndCountsTowardIntensity() throws IOException {
        // We test this by deleting the child's executable and killing it: every restart then fails, and
        // if failed restarts did not count, the supervisor would retry forever instead of giving up.
        Path script = executable("serve.sh", "exec sleep 300");
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, intensity(3, Duration.ofSeconds(10)),
                sleeper("sibling"), ProcessSpec.of("svc", script.toString()).withShutdown(QUICK)))) {
            long sibling = tree.pid("sibling"), svc = tree.pid("svc");
            Files.delete(script);

            tree.sigkill(svc);

            assertThat(tree.awaitTermination()).isInstanceOf(ExitStatus.Crashed.class);
            assertThat(tree.events.of(SupervisionEvent.StartFailed.class, "svc"))
                    .hasSizeBetween(1, 4)
                    .allSatisfy(f -> {
                        assertThat(f.error()).contains(script.toString());
                        assertThat(f.path()).isEqualTo("root/svc");
                    });
            assertThat(tree.events.of(SupervisionEvent.GaveUp.class)).extracting(SupervisionEvent::id).containsExactly("root");
            Pids.awaitDead(sibling, svc);
        }
    }

    @Test
    void failedStartOfAStoppedChildKeepsTheErrorInItsStatus() throws Exception {
        Path script = executable("serve.sh", "exec sleep 300");
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE,
                ProcessSpec.of("svc", script.toString()).withShutdown(QUICK)))) {
            tree.pid("svc");
            tree.root.stopChild("svc").get(5, TimeUnit.SECONDS);
            Files.delete(script);

            Throwable failure = catchThrowable(() -> tree.root.startChild("svc").get(5, TimeUnit.SECONDS));

            assertThat(failure).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(ChildStartException.class).hasMessageContaining(script.toString());
            NodeStatus afterFailure = tree.node("svc");
            assertThat(tree.root.termination()).isNotDone();

            executable("serve.sh", "exec sleep 300");
            tree.root.startChild("svc").get(5, TimeUnit.SECONDS);
            assertThat(tree.node("svc").state()).isEqualTo(NodeStatus.State.RUNNING);

            SoftAssertions.assertSoftly(soft -> {
                soft.assertThat(afterFailure.state()).as("state after the failed start")
                        .isIn(NodeStatus.State.STOPPED, NodeStatus.State.FAILED);
                soft.assertThat(afterFailure.pid()).as("pid after the failed start (no process runs)").isZero();
                soft.assertThat(afterFailure.lastError()).as("lastError after the failed start").contains(script.toString());
            });
        }
    }

    @Test
    void crashReasonIsKeptInTheNodesLastError() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, sleeper("a")))) {
            long pid = tree.pid("a");
            assertThat(tree.node("a").lastError()).isNull();

            tree.sigkill(pid);

            tree.awaitReplaced("a", pid);
            assertThat(tree.node("a").lastError()).contains("signal 9");
        }
    }

    @Test
    void processThatExitsBeforeItIsReadyFailsToStart() {
        var leaks = RunningTree.Leaks.watch();
        var events = new EventLog();

        Throwable thrown = catchThrowable(() -> SupervisionTree.start(root(Strategy.ONE_FOR_ONE, intensity(1, Duration.ofSeconds(10)),
                shell("early", "exit 2").withReadiness(Readiness.delay(Duration.ofMillis(500)))), events));

        // Which child failed is in the message; the exact childId is StartFailureTest's concern.
        assertThat(thrown).isInstanceOf(ChildStartException.class).hasMessageContaining("early");
        assertThat(events.of(SupervisionEvent.StartFailed.class, "early")).isNotEmpty();
        leaks.assertNoneLeft(events.pids());
    }

    /** An executable shell script in the test's directory, (re)written with {@code body}. */
    private Path executable(String name, String body) throws IOException {
        Path script = dir.resolve(name);
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }
}
