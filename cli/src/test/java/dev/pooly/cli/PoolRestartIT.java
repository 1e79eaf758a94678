package dev.pooly.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.pooly.cli.DaemonProcess.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 18: a call that arrives while its pool is restarted by its supervisor waits for the new
 * incarnation within its checkout timeout; code 69 "stopped" is for a pool an operator stopped (or
 * one above it). The tree: a one_for_all supervisor {@code grp} over {@code crasher}, {@code slow}
 * (a process that ignores SIGTERM, so stopping it takes its 3 s shutdown) and the pool {@code p}.
 * Killing {@code crasher} makes {@code grp} stop its children in reverse order, {@code p} first, then
 * {@code slow} for 3 s, and start them again: for those 3 s the pool is stopped and not settled.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PoolRestartIT {
    private DaemonProcess daemon;

    @BeforeAll
    void startDaemon(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) {
        daemon = DaemonProcess.start(dir, """
                version: 1
                control: {socket: pooly.sock}
                logs: {dir: logs}
                supervisor:
                  max_restarts: 100
                  children:
                    - supervisor:
                        id: grp
                        strategy: one_for_all
                        max_restarts: 100
                        children:
                          - process: {id: crasher, command: [sleep, "1000"], backoff: {min_uptime: 0s}}
                          - process: {id: slow, command: [sh, -c, 'trap "" TERM; while :; do sleep 0.1; done'], shutdown: 3s}
                          - pool: {name: p, command: [cat], size: 1, max_restarts: 100}
                """);
        daemon.awaitIdle("p", 1);
    }

    @AfterAll
    void stopDaemon() {
        if (daemon != null) daemon.close();
    }

    /**
     * We test this by calling the pool while its supervisor's one_for_all restart holds it stopped:
     * the call must wait and be answered by the new incarnation, not refused with 69.
     */
    @Test
    void callDuringARestartBySupervisorWaitsForTheNewIncarnation() {
        long before = daemon.workerPids("p").get(0);
        CliRun kill = daemon.cli("kill", "crasher");
        assertThat(kill.exit()).as(kill::toString).isZero();
        await().until(() -> daemon.node("p").path("state").asText().equals("stopped"));

        CliRun call = daemon.cli("call", "p", "--timeout", "30s", "waited");

        assertThat(call.exit()).as(call::toString).isZero();
        assertThat(call.out()).isEqualTo("waited\n");
        assertThat(daemon.workerPids("p")).as("served by the new incarnation").doesNotContain(before);
    }

    /** Stopped by an operator, the pool (or the supervisor above it) refuses at once with 69, naming what to start. */
    @Test
    void callToAPoolStoppedByAnOperatorFailsAtOnceWith69() {
        try {
            CliRun stop = daemon.cli("stop", "grp");
            assertThat(stop.exit()).as(stop::toString).isZero();

            CliRun call = daemon.cli("call", "p", "--timeout", "30s", "x");

            assertThat(call.exit()).as(call::toString).isEqualTo(ExitCode.UNAVAILABLE);
            assertThat(call.err()).contains("pool p is stopped").contains("grp").contains("pooly start grp");
        } finally {
            assertThat(daemon.cli("start", "grp").exit()).isZero();
            daemon.awaitIdle("p", 1);
        }
        CliRun stopPool = daemon.cli("stop", "p");
        try {
            assertThat(stopPool.exit()).as(stopPool::toString).isZero();
            CliRun call = daemon.cli("call", "p", "--timeout", "30s", "x");
            assertThat(call.exit()).as(call::toString).isEqualTo(ExitCode.UNAVAILABLE);
            assertThat(call.err()).contains("pool p is stopped").contains("pooly start p");
        } finally {
            assertThat(daemon.cli("start", "p").exit()).isZero();
            daemon.awaitIdle("p", 1);
        }
    }
}
