package dev.pooly.supervisor;

import dev.pooly.testing.Pids;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static dev.pooly.supervisor.Children.*;
import static org.assertj.core.api.Assertions.assertThat;

class RestartStormTest {

    @TempDir Path dir;

    /**
     * Runs until {@code storm} exists; from then on every incarnation exits with status 1 at once. Without
     * backoff (OTP's "give up fast"): these tests are about the intensity verdict, not about restart delays.
     */
    private ProcessSpec crashLooping(String id, Path storm) {
        return shell(id, "if [ -e \"$STORM\" ]; then exit 1; fi; exec sleep 300")
                .withEnv(Map.of("STORM", storm.toString())).withBackoff(Backoff.NONE);
    }

    @Test
    void permanentChildThatKeepsExitingEndsInTheIntensityVerdictWithoutHanging() throws IOException {
        // We test this by starting the child healthy, then making every later incarnation exit at once:
        // 5 restarts in 10 s are allowed, the sixth exit makes the root give up.
        Path storm = dir.resolve("storm");
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, Intensity.of(5, Duration.ofSeconds(10)),
                sleeper("steady"), crashLooping("looping", storm)))) {
            long steady = tree.pid("steady");
            Files.createFile(storm);

            tree.sigkill(tree.pid("looping"));

            assertThat(tree.awaitTermination()).isInstanceOf(ExitStatus.Crashed.class);
            assertThat(tree.events.of(SupervisionEvent.GaveUp.class)).extracting(SupervisionEvent::id).containsExactly("root");
            assertThat(tree.events.count(SupervisionEvent.Restarting.class, "looping")).as("events %s", tree.events).isEqualTo(5);
            // Six ends of an incarnation: the kill, then five quick exits. (A quick exit that is misreported
            // as a failed start is ReadinessTest's concern, so both kinds count here.)
            assertThat(tree.events.count(SupervisionEvent.Exited.class, "looping")
                    + tree.events.count(SupervisionEvent.StartFailed.class, "looping")).as("events %s", tree.events).isEqualTo(6);
            assertThat(tree.events.of(SupervisionEvent.Exited.class, "looping").getFirst().status()).isEqualTo(new ExitStatus.Signaled(9));
            Pids.awaitDead(steady);
        }
    }

    @Test
    void stormInANestedSupervisorEscalatesAndTheRootEndsTheTreeWithoutHanging() throws IOException {
        Path storm = dir.resolve("storm");
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, Intensity.of(2, Duration.ofSeconds(10)),
                sleeper("steady"),
                nested("backend", Strategy.ONE_FOR_ALL, Intensity.of(3, Duration.ofSeconds(10)),
                        sleeper("db"), crashLooping("looping", storm))))) {
            long steady = tree.pid("steady"), db = tree.pid("db");
            Files.createFile(storm);

            tree.sigkill(tree.pid("looping"));

            assertThat(tree.awaitTermination()).isInstanceOf(ExitStatus.Crashed.class);
            // Its first incarnations under the restarted backend already exit at once: each backend start is a failed start,
            // or a start followed by a storm; either way the backend and then the root give up.
            assertThat(tree.events.of(SupervisionEvent.GaveUp.class)).extracting(SupervisionEvent::id).last().isEqualTo("root");
            assertThat(tree.events.of(SupervisionEvent.GaveUp.class)).extracting(SupervisionEvent::id).contains("backend");
            Pids.awaitDead(steady, db);
        }
    }

    @Test
    void childThatFailsEveryStartEndsInTheIntensityVerdictWithoutHanging() throws IOException {
        // Each incarnation dies within its readiness delay: every restart is a failed start.
        Path storm = dir.resolve("storm");
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, Intensity.of(4, Duration.ofSeconds(10)),
                sleeper("steady"), crashLooping("looping", storm).withReadiness(Readiness.delay(Duration.ofMillis(100)))))) {
            long steady = tree.pid("steady");
            Files.createFile(storm);

            tree.sigkill(tree.pid("looping"));

            assertThat(tree.awaitTermination()).isInstanceOf(ExitStatus.Crashed.class);
            assertThat(tree.events.count(SupervisionEvent.StartFailed.class, "looping")).isBetween(1, 5);
            assertThat(tree.events.of(SupervisionEvent.GaveUp.class)).extracting(SupervisionEvent::id).containsExactly("root");
            Pids.awaitDead(steady);
        }
    }
}
