package dev.pooly.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static dev.pooly.cli.DaemonProcess.alive;
import static dev.pooly.cli.DaemonProcess.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The daemon's own life: how it starts, refuses to start, and ends. One daemon per test. */
class DaemonLifecycleIT {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;

    /**
     * We test this by giving three processes a TERM trap that appends their name to a file, one of
     * them with a background child of its own: after SIGTERM the daemon exits 0, the names are in
     * reverse start order, and no pid the status named (nor the grandchild) still runs.
     */
    @Test
    void sigtermStopsEveryChildInReverseOrderAndExits0() throws IOException {
        Path order = dir.resolve("order");
        Path grandchild = dir.resolve("grandchild");
        try (DaemonProcess daemon = DaemonProcess.start(dir, """
                version: 1
                control: {socket: pooly.sock}
                logs: {dir: logs}
                supervisor:
                  children:
                    - process:
                        id: first
                        command: [sh, -c, 'trap "echo first >> %1$s; exit 0" TERM; sleep 100000 & echo $! > %2$s; wait']
                    - supervisor:
                        id: inner
                        strategy: one_for_all
                        children:
                          - process: {id: second, command: [sh, -c, 'trap "echo second >> %1$s; exit 0" TERM; sleep 100000 & wait']}
                    - pool: {name: workers, command: [cat], size: 2}
                    - process: {id: third, command: [sh, -c, 'trap "echo third >> %1$s; exit 0" TERM; sleep 100000 & wait']}
                """.formatted(order, grandchild))) {
            daemon.awaitIdle("workers", 2);
            await().until(() -> Files.exists(grandchild) && !Files.readString(grandchild).isBlank());
            Set<Long> pids = new TreeSet<>(daemon.allPids());
            pids.add(Long.parseLong(Files.readString(grandchild).strip()));
            assertThat(pids).hasSize(6).allMatch(DaemonProcess::alive);

            int exit = daemon.terminate();

            assertThat(exit).as(daemon::log).isZero();
            assertThat(pids).as("pids still running after the daemon exited").noneMatch(DaemonProcess::alive);
            assertThat(Files.readAllLines(order)).containsExactly("third", "second", "first");
            assertThat(daemon.socket()).doesNotExist();
        }
    }

    @Test
    void sigkillOfTheDaemonKillsEveryChildAnyway() {
        try (DaemonProcess daemon = DaemonProcess.start(dir, """
                version: 1
                control: {socket: pooly.sock}
                logs: {dir: logs}
                supervisor:
                  children:
                    - process: {id: plain, command: [sleep, "100000"]}
                    - supervisor:
                        id: inner
                        children:
                          - process: {id: nested, command: [sleep, "100000"]}
                    - pool: {name: workers, command: [cat], size: 2}
                """)) {
            daemon.awaitIdle("workers", 2);
            Set<Long> pids = daemon.allPids();
            assertThat(pids).hasSize(4).allMatch(DaemonProcess::alive);

            daemon.killHard();

            await().untilAsserted(() -> assertThat(pids).as("children outliving the daemon").noneMatch(DaemonProcess::alive));
        }
    }

    @Test
    void shutdownCommandStopsTheDaemonWithExit0() {
        try (DaemonProcess daemon = DaemonProcess.start(dir, """
                version: 1
                control: {socket: ctl.sock}
                logs: {dir: logs}
                supervisor:
                  children:
                    - process: {id: plain, command: [sleep, "100000"]}
                    - pool: {name: workers, command: [cat], size: 1}
                """)) {
            daemon.awaitIdle("workers", 1);
            Set<Long> pids = daemon.allPids();

            // Through $POOLY_SOCKET, neither -c nor -s: ./pooly.sock would be the wrong socket here.
            CliRun run = DaemonProcess.run(dir, null, Map.of("POOLY_SOCKET", daemon.socket().toString()), List.of("shutdown"));

            assertThat(run.exit()).as(run::toString).isZero();
            assertThat(run.out()).isEqualTo("pooly: shutting down\n");
            assertThat(daemon.awaitExit()).as(daemon::log).isZero();
            assertThat(pids).hasSize(2).noneMatch(DaemonProcess::alive);
        }
    }

    @Test
    void daemonWithAnInvalidConfigExits65WithFileLineColumnBeforeStartingAnything() throws IOException {
        Path started = dir.resolve("started");
        Path config = DaemonProcess.writeConfig(dir, """
                version: 1
                control: {socket: pooly.sock}
                supervisor:
                  children:
                    - process: {id: marker, command: [sh, -c, 'echo started > %s']}
                    - process: {id: broken, command: [sleep, "1"], shutdown: soon}
                    - pool: {name: p, command: [cat], size: -2}
                """.formatted(started));

        try (DaemonProcess daemon = DaemonProcess.launch(config)) {
            int exit = daemon.awaitExit();

            assertThat(exit).as(daemon::log).isEqualTo(ExitCode.INVALID_CONFIG).isEqualTo(65);
            assertThat(daemon.log().lines().filter(line -> line.startsWith(config.toString())))
                    .as(daemon::log)
                    .satisfiesExactly(
                            line -> assertThat(line).startsWith(config + ":6:62: ").contains("soon"),
                            line -> assertThat(line).startsWith(config + ":7:45: ").contains("size"));
            assertThat(started).as("a process of an invalid config was started").doesNotExist();
            assertThat(daemon.socket()).doesNotExist();
        }
    }

    @Test
    void secondDaemonOnTheSameSocketFailsWhileTheFirstKeepsRunning() throws IOException {
        Path starts = dir.resolve("starts");
        try (DaemonProcess first = DaemonProcess.start(dir, """
                version: 1
                control: {socket: pooly.sock}
                logs: {dir: logs}
                supervisor:
                  children:
                    - process: {id: counted, command: [sh, -c, 'echo $$ >> %s; exec sleep 100000']}
                """.formatted(starts))) {
            await().until(() -> Files.exists(starts) && Files.readAllLines(starts).size() == 1);
            long pid = first.pidsById().get("counted");

            try (DaemonProcess second = DaemonProcess.launch(first.config())) {
                int exit = second.awaitExit();

                assertThat(exit).as(second::log).isEqualTo(ExitCode.FAILURE);
                assertThat(second.log()).contains("already listening").contains(first.socket().toString());
            }

            assertThat(first.isRunning()).isTrue();
            assertThat(first.pidsById()).containsEntry("counted", pid);
            assertThat(Files.readAllLines(starts)).as("processes started by the second daemon").hasSize(1);
            CliRun status = first.cli("status", "--json");
            assertThat(status.exit()).as(status::toString).isZero();
            assertThat(status.out()).contains("\"pid\" : " + pid);
        }
    }

    /** We test this by binding a socket and closing it: the file stays behind, as after a daemon's SIGKILL. */
    @Test
    void staleSocketFileIsReplacedByTheNewDaemonsSocketWithMode0600() throws IOException {
        Path socket = dir.resolve("pooly.sock");
        try (ServerSocketChannel gone = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            gone.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThat(socket).exists();

        try (DaemonProcess daemon = DaemonProcess.start(dir, """
                version: 1
                control: {socket: pooly.sock}
                logs: {dir: logs}
                supervisor:
                  children:
                    - process: {id: plain, command: [sleep, "100000"]}
                """)) {
            assertThat(daemon.socket()).isEqualTo(socket);
            assertThat(daemon.node("plain").get("state").asText()).isEqualTo("running");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        }
    }

    /**
     * We test this with a typo that names the config file itself as the socket, and with a
     * directory: the daemon refuses to start (exit 1, the path named), starts nothing, and the file
     * is left exactly as it was.
     */
    @Test
    void controlSocketNamingAnExistingFileThatIsNoSocketIsAStartupErrorAndTheFileIsKept() throws IOException {
        Path started = dir.resolve("started");
        String yaml = """
                version: 1
                control: {socket: pooly.yaml}
                logs: {dir: logs}
                supervisor:
                  children:
                    - process: {id: marker, command: [sh, -c, 'echo started > %s; exec sleep 100000']}
                """.formatted(started);
        Path config = DaemonProcess.writeConfig(dir, yaml);
        Files.createDirectories(dir.resolve("adir"));

        try (DaemonProcess daemon = DaemonProcess.launch(config)) {
            assertThat(daemon.awaitExit()).as(daemon::log).isEqualTo(ExitCode.FAILURE);
            assertThat(daemon.log()).contains(config.toString()).contains("not a socket");
        }
        assertThat(Files.readString(config)).as("the config named as the socket").isEqualTo(yaml);
        assertThat(started).as("a process was started").doesNotExist();

        Path second = DaemonProcess.writeConfig(dir, yaml.replace("socket: pooly.yaml", "socket: adir"));
        try (DaemonProcess daemon = DaemonProcess.launch(second)) {
            assertThat(daemon.awaitExit()).as(daemon::log).isEqualTo(ExitCode.FAILURE);
            assertThat(daemon.log()).contains(dir.resolve("adir").toString()).contains("directory");
        }
        assertThat(dir.resolve("adir")).isDirectory();
    }

    @Test
    void rootSupervisorGivingUpExitsTheDaemonWith1() {
        Path config = DaemonProcess.writeConfig(dir, """
                version: 1
                control: {socket: pooly.sock}
                logs: {dir: logs}
                supervisor:
                  max_restarts: 1
                  max_seconds: 60
                  children:
                    - process: {id: crasher, command: [sh, -c, 'sleep 1; exit 3']}
                """);

        try (DaemonProcess daemon = DaemonProcess.launch(config)) {
            assertThat(daemon.awaitExit()).as(daemon::log).isEqualTo(ExitCode.FAILURE);
            assertThat(daemon.socket()).doesNotExist();
        }
    }
}
