package dev.pooly.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.pooly.cli.DaemonProcess.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * One table of exit reasons for processes and pool workers, through a real daemon: an exit with
 * status 0 is {@code normal} (a {@code transient} process that exits 0 was once {@code crash}), and a
 * SIGKILL from outside, an operator's {@code kill -9}, is {@code killed} (a process's was once
 * {@code crash} while a worker's was {@code killed}), in the status JSON, the daemon's log and the
 * metrics.
 */
class ExitReasonsIT {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;

    @Test
    void anExitWithStatusZeroIsNormalAndAnOutsideKillDashNineIsKilledForProcessesAndWorkers() {
        int port = Http.freePort();
        try (DaemonProcess daemon = DaemonProcess.start(dir, """
                version: 1
                metrics: {listen: "127.0.0.1:%d"}
                supervisor:
                  max_restarts: 10
                  children:
                    - process: {id: once, command: [sh, -c, "sleep 0.3"], restart: transient}
                    - process: {id: sleeper, command: [sleep, "100000"]}
                    - pool: {name: cats, command: [cat], size: 1}
                    - pool: {name: oneshot, command: [sh, -c, "read x; echo \\"$x\\"; sleep 0.3"], size: 1}
                """.formatted(port))) {
            // A transient process that exits 0 is not restarted, and its exit is normal.
            await().untilAsserted(() -> assertThat(text(daemon.node("once"), "last_exit")).isEqualTo("normal"));
            assertThat(daemon.node("once").get("state").asText()).isEqualTo("stopped");
            assertThat(daemon.node("once").get("restarts").asInt()).isZero();

            // kill -9 from outside, of pids the status names as our own children right now.
            long sleeper = daemon.node("sleeper").get("pid").asLong();
            long cat = daemon.awaitIdle("cats", 1).get("workers").get(0).get("pid").asLong();
            killDashNine(sleeper, "sleep");
            killDashNine(cat, "cat");
            await().untilAsserted(() -> {
                JsonNode node = daemon.node("sleeper");
                assertThat(node.path("pid").asLong(0)).isNotIn(0L, sleeper);
                assertThat(text(node, "last_exit")).isEqualTo("killed");
            });
            await().untilAsserted(() -> assertThat(text(daemon.pool("cats"), "last_exit")).isEqualTo("killed"));

            // A worker that answers and exits 0 on its own a moment later: normal, and replaced. (The
            // moment matters: an answer written in the same instant as the exit can lose the race with the
            // exit watch, which voids the lease before the answer is read; see docs/protocol.md.)
            long first = daemon.awaitIdle("oneshot", 1).get("workers").get(0).get("pid").asLong();
            CliRun call = daemon.cli("call", "oneshot", "hi");
            assertThat(call.out()).as("%s", call).isEqualTo("hi\n");
            await().untilAsserted(() -> {
                assertThat(daemon.workerPids("oneshot")).hasSize(1).doesNotContain(first);
                assertThat(text(daemon.pool("oneshot"), "last_exit")).isEqualTo("normal");
            });

            String metrics = Http.get("http://127.0.0.1:" + port + "/metrics").body();
            assertThat(value(metrics, "pooly_worker_exits_total{pool=\"cats\",reason=\"killed\"}")).isEqualTo(1);
            assertThat(value(metrics, "pooly_worker_exits_total{pool=\"cats\",reason=\"crash\"}")).isZero();
            assertThat(value(metrics, "pooly_worker_exits_total{pool=\"oneshot\",reason=\"normal\"}")).isEqualTo(1);
            assertThat(value(metrics, "pooly_worker_exits_total{pool=\"oneshot\",reason=\"crash\"}")).isZero();

            await().untilAsserted(() -> assertThat(daemon.log())
                    .contains("root/once: pid ", "exited with status 0 (normal)")
                    .contains("root/sleeper: pid " + sleeper + " killed by signal 9 (SIGKILL) (killed)")
                    .containsPattern("pool cats: worker \\S+ \\(pid " + cat + "\\) ended: killed")
                    .containsPattern("pool oneshot: worker \\S+ \\(pid " + first + "\\) ended: normal"));
        }
    }

    private static String text(JsonNode node, String field) {
        return node.path(field).asText(null);
    }

    /** SIGKILL to {@code pid}, having checked that it is still the {@code command} the daemon started. */
    private static void killDashNine(long pid, String command) {
        ProcessHandle victim = ProcessHandle.of(pid).orElseThrow();
        assertThat(victim.parent().map(ProcessHandle::pid)).as("parent of %d", pid).isPresent();
        assertThat(victim.info().command().orElse("")).endsWith("/" + command);
        assertThat(victim.destroyForcibly()).isTrue();
    }

    private static double value(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }
}
