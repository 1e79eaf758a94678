package dev.pooly.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.pooly.cli.DaemonProcess.alive;
import static dev.pooly.cli.DaemonProcess.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * OTP supervision through {@code pooly kill|stop|start|restart} against one real daemon: nested
 * supervisors of each strategy, and a pool whose tree is killed at every level. Each test asserts
 * exactly which pids changed, and leaves the tree running.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SupervisionIT {
    private DaemonProcess daemon;

    @BeforeAll
    void startDaemon(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) {
        daemon = DaemonProcess.start(dir, """
                version: 1
                control: {socket: pooly.sock}
                logs: {dir: logs}
                supervisor:
                  strategy: one_for_one
                  max_restarts: 100
                  max_seconds: 5
                  children:
                    - supervisor:
                        id: ofo
                        strategy: one_for_one
                        max_restarts: 100
                        children:
                          - process: {id: a1, command: [sleep, "100000"]}
                          - process: {id: a2, command: [sleep, "100000"]}
                          - process: {id: a3, command: [sleep, "100000"]}
                    - supervisor:
                        id: ofa
                        strategy: one_for_all
                        max_restarts: 100
                        children:
                          - process: {id: b1, command: [sleep, "100000"]}
                          - process: {id: b2, command: [sleep, "100000"]}
                          - process: {id: b3, command: [sleep, "100000"]}
                    - supervisor:
                        id: rfo
                        strategy: rest_for_one
                        max_restarts: 100
                        children:
                          - process: {id: c1, command: [sleep, "100000"]}
                          - process: {id: c2, command: [sleep, "100000"]}
                          - process: {id: c3, command: [sleep, "100000"]}
                    - supervisor:
                        id: pools
                        max_restarts: 100
                        children:
                          - pool: {name: echo, command: [cat], size: 2, max_restarts: 100}
                    - process: {id: lonely, command: [sleep, "100000"]}
                """);
        daemon.awaitIdle("echo", 2);
    }

    @AfterAll
    void stopDaemon() {
        if (daemon != null) daemon.close();
    }

    /** We test this by killing the middle child of each supervisor: its strategy decides which siblings restart. */
    @ParameterizedTest(name = "kill {0} restarts {1}")
    @CsvSource(delimiter = '|', textBlock = """
            a2 | a2
            b2 | b1 b2 b3
            c2 | c2 c3
            """)
    void killedChildIsRestartedWithTheSiblingsItsSupervisorsStrategyNames(String killed, String restarted) {
        Map<String, Long> before = daemon.pidsById();
        Set<String> changed = Set.of(restarted.split(" "));

        CliRun run = daemon.cli("kill", killed);

        assertThat(run.exit()).as(run::toString).isZero();
        assertThat(run.out()).isEqualTo("pooly: kill " + killed + ": done\n");
        Map<String, Long> after = awaitRestarted(before, changed);
        assertThat(after.keySet()).containsExactlyInAnyOrderElementsOf(before.keySet());
        before.forEach((id, pid) -> {
            if (changed.contains(id)) {
                assertThat(after.get(id)).as(id).isNotEqualTo(pid);
                assertThat(alive(pid)).as(id + "'s old pid " + pid).isFalse();
            } else {
                assertThat(after.get(id)).as(id + " must keep its pid").isEqualTo(pid);
            }
        });
        assertThat(daemon.node(killed).get("restarts").asInt()).isPositive();
    }

    /**
     * We test this by killing each level of the pool's subtree in turn (a worker, its workers
     * supervisor, its server, the pool, the supervisor above it): each time the pool comes back
     * with its two idle workers, new ones where the killed node owned them, and nothing outside the
     * killed subtree changes.
     */
    @ParameterizedTest(name = "kill {0}")
    @ValueSource(strings = {"WORKER", "echo.workers", "echo.server", "echo", "pools"})
    void killAtEveryLevelOfAPoolsTreeHealsThePool(String level) {
        Map<String, Long> before = daemon.pidsById();
        List<Long> workersBefore = daemon.workerPids("echo");
        String killed = level.equals("WORKER") ? daemon.node("echo.workers").get("children").get(0).get("id").asText() : level;
        long killedWorker = before.get(killed) == null ? 0 : before.get(killed);

        CliRun run = daemon.cli("kill", killed);

        assertThat(run.exit()).as(run::toString).isZero();
        await().untilAsserted(() -> assertThat(daemon.workerPids("echo")).hasSize(2).doesNotContainAnyElementsOf(
                killedWorker != 0 ? List.of(killedWorker) : workersBefore));
        JsonNode pool = daemon.awaitIdle("echo", 2);
        assertThat(pool.get("state").asText()).isEqualTo("ready");
        List<Long> workersAfter = daemon.workerPids("echo");
        if (killedWorker != 0) {
            assertThat(workersAfter).containsAll(workersBefore.stream().filter(pid -> pid != killedWorker).toList());
        }
        workersBefore.stream().filter(pid -> !workersAfter.contains(pid))
                .forEach(pid -> assertThat(alive(pid)).as("old worker " + pid).isFalse());
        Map<String, Long> after = daemon.pidsById();
        before.forEach((id, pid) -> {
            if (!id.startsWith("echo-")) assertThat(after.get(id)).as(id + " is outside the killed subtree").isEqualTo(pid);
        });
        for (JsonNode node : DaemonProcess.nodes(daemon.node("pools"))) {
            assertThat(node.get("state").asText()).as(node.get("id").asText()).isEqualTo("running");
        }
        CliRun call = daemon.cli("call", "echo", "healed");
        assertThat(call.out()).as(call::toString).isEqualTo("healed\n");
    }

    @Test
    void stoppedProcessStaysStoppedUntilStarted() {
        long before = daemon.pidsById().get("lonely");

        CliRun stop = daemon.cli("stop", "lonely");

        assertThat(stop.exit()).as(stop::toString).isZero();
        assertThat(stop.out()).isEqualTo("pooly: stop lonely: done\n");
        JsonNode stopped = await().until(() -> daemon.node("lonely"), n -> n.get("state").asText().equals("stopped"));
        assertThat(stopped.has("pid")).as(stopped.toString()).isFalse();
        await().untilAsserted(() -> assertThat(alive(before)).isFalse());

        CliRun start = daemon.cli("start", "lonely");

        assertThat(start.exit()).as(start::toString).isZero();
        JsonNode started = await().until(() -> daemon.node("lonely"), n -> n.get("state").asText().equals("running") && n.has("pid"));
        assertThat(started.get("pid").asLong()).isNotEqualTo(before);
        assertThat(alive(started.get("pid").asLong())).isTrue();
    }

    @Test
    void restartGivesAProcessANewPidAndLeavesItsSiblingsAlone() {
        Map<String, Long> before = daemon.pidsById();

        CliRun run = daemon.cli("restart", "lonely");

        assertThat(run.exit()).as(run::toString).isZero();
        Map<String, Long> after = awaitRestarted(before, Set.of("lonely"));
        assertThat(alive(before.get("lonely"))).isFalse();
        before.forEach((id, pid) -> {
            if (!id.equals("lonely")) assertThat(after.get(id)).as(id).isEqualTo(pid);
        });
    }

    @ParameterizedTest(name = "pooly {0} nosuchnode")
    @ValueSource(strings = {"kill", "restart"})
    void unknownIdExits69NamingIt(String command) {
        Map<String, Long> before = daemon.pidsById();

        CliRun run = daemon.cli(command, "nosuchnode");

        assertThat(run.exit()).as(run::toString).isEqualTo(ExitCode.UNAVAILABLE).isEqualTo(69);
        assertThat(run.err()).contains("nosuchnode");
        assertThat(run.out()).isEmpty();
        assertThat(daemon.pidsById()).isEqualTo(before);
    }

    @Test
    void statusForPeopleShowsTheTreeAndThePoolsTable() {
        CliRun run = daemon.cli("status");

        assertThat(run.exit()).as(run::toString).isZero();
        assertThat(run.out())
                .containsPattern("(?m)^root\\s+supervisor\\s+running")
                .containsPattern("(?m)^├─ ofo\\s+supervisor\\s+running")
                .containsPattern("(?m)^│  ├─ a1\\s+process\\s+running\\s+pid \\d+")
                .containsPattern("(?m)^│     ├─ echo.workers\\s+supervisor\\s+running")
                .containsPattern("(?m)^└─ lonely\\s+process\\s+running")
                .containsPattern("(?m)^POOL\\s+STATE\\s+SIZE\\s+IDLE\\s+BUSY\\s+OVERFLOW\\s+WAITING\\s+RESTARTS\\s+LAST EXIT\\s+LAST ERROR$")
                .containsPattern("(?m)^echo\\s+ready\\s+2\\s+2\\s+0\\s+0/0\\s+0\\s+\\d+\\s+\\S.*$");
    }

    /** Waits until every node in {@code changed} runs with a new pid, then returns all pids. */
    private Map<String, Long> awaitRestarted(Map<String, Long> before, Set<String> changed) {
        return await().until(() -> {
            Map<String, Long> now = new HashMap<>(daemon.pidsById());
            boolean settled = DaemonProcess.nodes(daemon.status().get("tree")).stream()
                    .allMatch(n -> n.get("state").asText().equals("running"));
            return settled ? now : Map.<String, Long>of();
        }, now -> !now.isEmpty() && changed.stream().allMatch(id -> now.get(id) != null && !now.get(id).equals(before.get(id))));
    }
}
