package dev.pooly.supervisor;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.pooly.supervisor.Children.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Health checks and max_memory of plain processes, with real processes and real check commands. */
class ProcessWatchdogTest {

    private static ProcessHealth health(String script, Duration grace) {
        return new ProcessHealth(List.of("sh", "-c", script), Duration.ofMillis(200), Duration.ofSeconds(2), 3, grace);
    }

    @Test
    void aProcessWhoseHealthCommandFailsRetriesTimesIsRestartedWithTheLastOutputInLastError() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, LENIENT,
                sleeper("svc").withBackoff(Backoff.NONE).withHealth(health("echo database unreachable; exit 3", Duration.ZERO))))) {
            long first = tree.pid("svc");

            RunningTree.await().atMost(Duration.ofSeconds(15)).until(() -> tree.node("svc").restarts() >= 1);
            NodeStatus svc = tree.node("svc");
            assertThat(svc.lastExit()).isEqualTo(ExitReason.HEALTH);
            assertThat(svc.lastError()).contains("health check failed 3 time(s) in a row").contains("database unreachable");
            assertThat(tree.events.of(SupervisionEvent.Exited.class, "svc").getFirst())
                    .satisfies(e -> assertThat(e.pid()).isEqualTo(first))
                    .satisfies(e -> assertThat(e.reason()).isEqualTo(ExitReason.HEALTH))
                    .satisfies(e -> assertThat(e.status().abnormal()).isTrue());
        }
    }

    @Test
    void aPassingHealthCommandAndTheGracePeriodLeaveTheProcessAlone() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, LENIENT,
                sleeper("ok").withHealth(health("exit 0", Duration.ZERO)),
                sleeper("young").withHealth(health("exit 1", Duration.ofSeconds(30)))))) {
            long ok = tree.pid("ok"), young = tree.pid("young");
            RunningTree.during(Duration.ofSeconds(2)).until(() -> tree.node("ok").pid() == ok && tree.node("young").pid() == young);
            assertThat(tree.node("ok").restarts()).isZero();
            assertThat(tree.node("young").restarts()).isZero();
        }
    }

    @Test
    void aProcessThatGrowsPastMaxMemoryIsRestartedGracefully() {
        ProcessSpec grower = ProcessSpec.of("grower", "python3", "-c",
                        "import time\nx = b'x' * (100 << 20)\ntime.sleep(300)")
                .withShutdown(QUICK).withBackoff(Backoff.NONE).withMaxMemory(64L << 20);
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, Intensity.of(100, Duration.ofSeconds(10)), grower))) {
            RunningTree.await().atMost(Duration.ofSeconds(15)).until(() -> tree.node("grower").restarts() >= 1);
            assertThat(tree.node("grower").lastExit()).isEqualTo(ExitReason.MEMORY);
            assertThat(tree.events.of(SupervisionEvent.Exited.class, "grower").getFirst().status().toString())
                    .contains("over max_memory 64 MB");
        }
    }
}
