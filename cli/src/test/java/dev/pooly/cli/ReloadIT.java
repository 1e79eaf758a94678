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

    static void hangUp(DaemonProcess daemon) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(daemon.pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }
}
