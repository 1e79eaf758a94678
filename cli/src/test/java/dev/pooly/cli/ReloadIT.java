package dev.pooly.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

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

    static void hangUp(DaemonProcess daemon) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(daemon.pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }
}
