package dev.pooly.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.pooly.cli.DaemonProcess.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Status that reads at a glance, and start/stop where they have no meaning refused, against a real daemon. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatusAtAGlanceIT {
    private DaemonProcess daemon;

    @BeforeAll
    void startDaemon(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) {
        daemon = DaemonProcess.start(dir, """
                version: 1
                control: {socket: pooly.sock}
                logs: {dir: logs}
                supervisor:
                  children:
                    - pool: {name: echo, command: [cat], size: 2, checkout_timeout: 30s}
                    - pool: {name: spare, command: [cat], size: 1, checkout_timeout: 30s}
                """);
        daemon.awaitIdle("echo", 2);
        daemon.awaitIdle("spare", 1);
    }

    @AfterAll
    void stopDaemon() {
        if (daemon != null) daemon.close();
    }

    @Test
    void statusOfOnePoolListsItsWorkersWithPidStateUsesAgeAndMemory() {
        CliRun run = daemon.cli("status", "echo");

        assertThat(run.exit()).as("%s", run).isZero();
        assertThat(run.out()).contains("POOL", "RESTARTS", "LAST EXIT", "LAST ERROR", "PID", "USES", "AGE", "RSS");
        for (Long pid : daemon.workerPids("echo")) assertThat(run.out()).containsPattern(pid + "\\s+idle\\s+\\d+\\s+\\d+[smh]\\s+\\d+ KiB");
        assertThat(run.out()).doesNotContain("spare");
    }

    @Test
    void aKilledWorkerIsThePoolsLastExitInTheJsonAndTheTable() {
        String worker = daemon.pool("echo").get("workers").get(0).get("id").asText();
        CliRun kill = daemon.cli("kill", worker);
        assertThat(kill.exit()).as("%s", kill).isZero();

        await().until(() -> daemon.pool("echo").path("last_exit").asText().equals("killed"));
        daemon.awaitIdle("echo", 2);
        assertThat(daemon.cli("status").out()).containsPattern("echo\\s+ready.*\\s+killed\\s+");
    }

    @Test
    void aStoppedPoolShowsStoppedAndACallFailsAtOnceSayingSo() {
        CliRun stop = daemon.cli("stop", "spare");
        assertThat(stop.exit()).as("%s", stop).isZero();
        try {
            await().until(() -> daemon.pool("spare").get("state").asText().equals("stopped"));
            long started = System.nanoTime();
            CliRun call = daemon.cliWithInput("x\n", "call", "spare");
            long tookMs = (System.nanoTime() - started) / 1_000_000;

            assertThat(call.exit()).as("%s", call).isEqualTo(ExitCode.UNAVAILABLE);
            assertThat(call.err()).contains("pool spare is stopped");
            assertThat(tookMs).as("failed at once, not after the 30 s checkout timeout").isLessThan(25_000);
        } finally {
            assertThat(daemon.cli("start", "spare").exit()).isZero();
            daemon.awaitIdle("spare", 1);
        }
    }

    @Test
    void stoppingAWorkerIsRefusedWith64NamingKillAndScale() {
        long pid = daemon.workerPids("echo").get(0);
        String worker = null;
        for (JsonNode n : DaemonProcess.nodes(daemon.status().get("tree"))) {
            if (n.path("pid").asLong() == pid) worker = n.get("id").asText();
        }
        CliRun run = daemon.cli("stop", worker);

        assertThat(run.exit()).as("%s", run).isEqualTo(ExitCode.USAGE);
        assertThat(run.err()).contains("pooly kill " + worker).contains("pooly scale echo");
        assertThat(DaemonProcess.alive(pid)).isTrue();
    }

    @Test
    void stoppingTheRootIsRefusedWith64NamingShutdown() {
        CliRun run = daemon.cli("stop", "root");

        assertThat(run.exit()).as("%s", run).isEqualTo(ExitCode.USAGE);
        assertThat(run.err()).contains("pooly shutdown");
        assertThat(daemon.isRunning()).isTrue();
    }
}
