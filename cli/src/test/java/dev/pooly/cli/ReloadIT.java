package dev.pooly.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import static dev.pooly.cli.DaemonProcess.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code pooly reload} and SIGHUP against a real daemon and real processes: a bad config changes
 * nothing, SIGHUP reloads instead of killing the daemon.
 */
class ReloadIT {
    static final String THREE = """
            version: 1
            control: {socket: pooly.sock}
            logs: {dir: logs}
            supervisor:
              children:
                - process: {id: a, command: [sleep, "100000"]}
                - process: {id: b, command: [sleep, "100000"]}
                - process: {id: c, command: [sleep, "100000"]}
            """;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;
    private DaemonProcess daemon;

    @AfterEach
    void stop() {
        if (daemon != null) daemon.close();
    }

    @Test
    void reloadingAnUnchangedConfigKeepsEveryPid() {
        daemon = DaemonProcess.start(dir, THREE);
        Map<String, Long> before = daemon.pidsById();

        CliRun run = daemon.cli("reload");

        assertThat(run.exit()).as("%s", run).isZero();
        assertThat(run.out()).contains("nothing changed").contains("kept:", "a, b, c");
        assertThat(daemon.pidsById()).isEqualTo(before);
    }

    @Test
    void aBadConfigReloadExits65WithEveryProblemAndChangesNoPid() {
        daemon = DaemonProcess.start(dir, THREE);
        Map<String, Long> before = daemon.pidsById();
        DaemonProcess.writeConfig(dir, THREE.replace("id: b, command: [sleep, \"100000\"]", "id: b, command: []")
                .replace("id: c,", "id: c, restrat: permanent,"));

        CliRun run = daemon.cli("reload");

        assertThat(run.exit()).as("%s", run).isEqualTo(ExitCode.INVALID_CONFIG);
        assertThat(run.err()).containsPattern("pooly.yaml:7:\\d+: ").containsPattern("pooly.yaml:8:\\d+: ");
        assertThat(daemon.pidsById()).isEqualTo(before);
        // The daemon's stderr may reach the file a moment after the reply reached the client.
        await().until(() -> daemon.log().contains("nothing was changed"));
        assertThat(daemon.log()).containsPattern("pooly.yaml:7:\\d+: ");
        assertThat(daemon.isRunning()).isTrue();
    }

    @Test
    void underNohupTheDaemonSaysSighupWillNotReloadAndPoolyReloadStillDoes() throws Exception {
        daemon = DaemonProcess.launch(List.of("nohup"), DaemonProcess.writeConfig(dir, THREE), Map.of());
        await().ignoreExceptions().failFast("the daemon exited", () -> !daemon.isRunning()).until(() -> daemon.status() != null);

        await().until(() -> daemon.log().contains("SIGHUP is ignored by this process"));
        assertThat(daemon.log()).contains("use `pooly reload`")
                .doesNotContain("SIGTERM is ignored");
        DaemonProcess.writeConfig(dir, THREE.replace("id: b, command: [sleep, \"100000\"]", "id: b, command: [sleep, \"200000\"]"));
        CliRun run = daemon.cli("reload");
        assertThat(run.exit()).as("%s", run).isZero();
        assertThat(daemon.isRunning()).isTrue();
    }

    @Test
    void sighupReloadsAndNeitherKillsTheDaemonNorChangesAnUnchangedTree() throws Exception {
        daemon = DaemonProcess.start(dir, THREE);
        Map<String, Long> before = daemon.pidsById();

        hangUp(daemon);

        await().until(() -> daemon.log().contains("reload (SIGHUP)"));
        assertThat(daemon.isRunning()).isTrue();
        assertThat(daemon.pidsById()).isEqualTo(before);
        assertThat(daemon.socket()).exists();
    }

    @Test
    void sighupWithABadConfigLogsEveryProblemAndRunsOn() throws Exception {
        daemon = DaemonProcess.start(dir, THREE);
        Map<String, Long> before = daemon.pidsById();
        DaemonProcess.writeConfig(dir, THREE.replace("id: b, command: [sleep, \"100000\"]", "id: b, command: []"));

        hangUp(daemon);

        await().until(() -> daemon.log().contains("nothing was changed"));
        assertThat(daemon.log()).containsPattern("pooly.yaml:7:\\d+: ");
        assertThat(daemon.isRunning()).isTrue();
        assertThat(daemon.pidsById()).isEqualTo(before);
    }

    @Test
    void aReloadThatChangesOneOfThreeProcessesRestartsOnlyThatOne() {
        daemon = DaemonProcess.start(dir, THREE);
        Map<String, Long> before = daemon.pidsById();
        DaemonProcess.writeConfig(dir, THREE.replace("id: b, command: [sleep, \"100000\"]", "id: b, command: [sleep, \"200000\"]"));

        CliRun run = daemon.cli("reload");

        assertThat(run.exit()).as("%s", run).isZero();
        assertThat(run.out()).contains("restarted: b").contains("kept:      a, c");
        Map<String, Long> after = daemon.pidsById();
        assertThat(after.get("a")).isEqualTo(before.get("a"));
        assertThat(after.get("c")).isEqualTo(before.get("c"));
        assertThat(after.get("b")).isNotEqualTo(before.get("b"));
        assertThat(DaemonProcess.alive(before.get("b"))).isFalse();
        assertThat(daemon.node("b").get("state").asText()).isEqualTo("running");
    }

    @Test
    void removedChildrenStopAddedOnesStartAtTheirPositionAndAStrategyChangesInPlace() {
        daemon = DaemonProcess.start(dir, THREE);
        Map<String, Long> before = daemon.pidsById();
        DaemonProcess.writeConfig(dir, """
                version: 1
                control: {socket: pooly.sock}
                logs: {dir: logs}
                supervisor:
                  strategy: one_for_all
                  children:
                    - process: {id: a, command: [sleep, "100000"]}
                    - process: {id: n, command: [sleep, "100000"]}
                    - process: {id: c, command: [sleep, "100000"]}
                    - pool: {name: echo, command: [cat], size: 2}
                """);

        CliRun run = daemon.cli("reload");

        assertThat(run.exit()).as("%s", run).isZero();
        assertThat(run.out()).contains("stopped:   b").contains("started:   n, echo").contains("changed:   root");
        assertThat(DaemonProcess.alive(before.get("b"))).isFalse();
        Map<String, Long> after = daemon.pidsById();
        assertThat(after.get("a")).isEqualTo(before.get("a"));
        assertThat(after.get("c")).isEqualTo(before.get("c"));
        assertThat(DaemonProcess.nodes(daemon.status().get("tree")).stream().map(n -> n.get("id").asText()).toList())
                .startsWith("root", "a", "n", "c", "echo");
        daemon.awaitIdle("echo", 2);
        CliRun call = daemon.cliWithInput("hello\n", "call", "echo");
        assertThat(call.exit()).as("%s", call).isZero();
        assertThat(call.out()).isEqualTo("hello\n");
    }

    @Test
    void sighupAppliesTheDifferenceAsPoolyReloadDoes() throws Exception {
        daemon = DaemonProcess.start(dir, THREE);
        Map<String, Long> before = daemon.pidsById();
        DaemonProcess.writeConfig(dir, THREE.replace("id: c, command: [sleep, \"100000\"]", "id: c, command: [sleep, \"300000\"]"));

        hangUp(daemon);

        await().until(() -> !before.get("c").equals(daemon.pidsById().get("c")) && daemon.node("c").get("state").asText().equals("running"));
        Map<String, Long> after = daemon.pidsById();
        assertThat(after.get("a")).isEqualTo(before.get("a"));
        assertThat(after.get("b")).isEqualTo(before.get("b"));
        assertThat(cmdline(after.get("c"))).isEqualTo("sleep 300000");
        await().until(() -> daemon.log().contains("\"restarted\":[\"c\"]"));
    }

    static final String POOL = """
            version: 1
            control: {socket: pooly.sock}
            logs: {dir: logs}
            supervisor:
              children:
                - pool: {name: echo, command: [cat], size: 3, checkout_timeout: 30s}
            """;

    /** Four callers running {@code pooly call echo} (the real CLI, in this JVM, over the real socket) in a loop. */
    static final class Callers implements AutoCloseable {
        final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        final java.util.concurrent.atomic.AtomicInteger ok = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        final java.util.List<Thread> threads = new java.util.ArrayList<>();

        Callers(DaemonProcess daemon) {
            for (int i = 0; i < 4; i++) {
                int me = i;
                threads.add(Thread.ofPlatform().start(() -> {
                    for (int k = 0; !stop.get(); k++) {
                        String line = "caller" + me + "-" + k;
                        CliRun run = CliRun.inProcessWithInput(line + "\n", "call", "echo", "-s", daemon.socket().toString());
                        if (run.exit() == 0 && run.out().equals(line + "\n")) ok.incrementAndGet();
                        else failures.add(run.toString());
                    }
                }));
            }
        }

        void awaitMore(int calls) {
            int from = ok.get();
            await().until(() -> ok.get() >= from + calls || !failures.isEmpty());
        }

        @Override public void close() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) t.join();
        }
    }

    static String cmdline(long pid) {
        try {
            return new String(java.nio.file.Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                    java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ').trim();
        } catch (IOException gone) {
            return "";
        }
    }

    @Test
    void aReloadThatChangesAPoolsCommandUnderFourCallersFailsNoCallAndEveryWorkerRunsTheNewCommand() throws Exception {
        daemon = DaemonProcess.start(dir, POOL);
        daemon.awaitIdle("echo", 3);
        try (Callers callers = new Callers(daemon)) {
            callers.awaitMore(20);
            DaemonProcess.writeConfig(dir, POOL.replace("command: [cat]", "command: [cat, -u]"));

            CliRun run = daemon.cli("reload");

            assertThat(run.exit()).as("%s", run).isZero();
            assertThat(run.out()).contains("rolled:    echo");
            await().until(() -> {
                JsonNode pool = daemon.pool("echo");
                if (pool.get("workers").size() != 3) return false;
                for (JsonNode w : pool.get("workers")) if (!cmdline(w.get("pid").asLong()).equals("cat -u")) return false;
                return true;
            });
            callers.awaitMore(20);
            assertThat(callers.failures).isEmpty();
        }
    }

    @Test
    void scaleUpAndDownUnderLoadFailsNoCallAndTheNextReloadRestoresTheFilesSize() throws Exception {
        daemon = DaemonProcess.start(dir, POOL);
        daemon.awaitIdle("echo", 3);
        try (Callers callers = new Callers(daemon)) {
            callers.awaitMore(10);

            CliRun up = daemon.cli("scale", "echo", "6");
            assertThat(up.exit()).as("%s", up).isZero();
            assertThat(up.out()).contains("size 3 -> 6").contains("until the next reload");
            await().until(() -> daemon.pool("echo").get("workers").size() == 6 && daemon.pool("echo").get("size").asInt() == 6);
            callers.awaitMore(10);

            CliRun down = daemon.cli("scale", "echo", "1", "--max-overflow", "0");
            assertThat(down.exit()).as("%s", down).isZero();
            await().until(() -> daemon.pool("echo").get("workers").size() == 1);
            callers.awaitMore(10);
            assertThat(callers.failures).isEmpty();
        }
        CliRun reload = daemon.cli("reload");
        assertThat(reload.out()).as("%s", reload).contains("changed:   echo");
        daemon.awaitIdle("echo", 3);
    }

    @Test
    void scalingAPoolThatIsNotThereExits69() {
        daemon = DaemonProcess.start(dir, POOL);
        CliRun run = daemon.cli("scale", "nope", "2");
        assertThat(run.exit()).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(run.err()).contains("no pool named 'nope'");
    }

    static void hangUp(DaemonProcess daemon) throws IOException, InterruptedException {
        assertThat(daemon.log()).as("the daemon inherited SIGHUP ignored: is this build running under nohup?").doesNotContain("SIGHUP is ignored");
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(daemon.pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }
}
