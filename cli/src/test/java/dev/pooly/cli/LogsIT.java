package dev.pooly.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.pooly.cli.DaemonProcess.await;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code pooly logs} against a real daemon whose child writes numbered lines into a log rotated every 2 KB. */
class LogsIT {
    static final String TICKER = """
            version: 1
            control: {socket: pooly.sock}
            logs: {dir: logs, max_bytes: 2KB, backups: 3}
            supervisor:
              children:
                - process:
                    id: ticker
                    command: [sh, -c, 'i=0; while :; do echo "tick $i"; i=$((i+1)); sleep 0.005; done']
            """;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;
    private DaemonProcess daemon;

    @AfterEach
    void stop() {
        if (daemon != null) daemon.close();
    }

    @Test
    void logsPrintsTheLastLines() {
        daemon = DaemonProcess.start(dir, TICKER);
        await().until(() -> Files.exists(dir.resolve("logs/ticker.out.log")));

        CliRun run = daemon.cli("logs", "ticker", "-n", "3");

        assertThat(run.exit()).as("%s", run).isZero();
        assertThat(run.out().lines().toList()).hasSize(3).allMatch(l -> l.matches("tick \\d+"));
    }

    @Test
    void followingARotatingLogMissesNoLineAndRepeatsNone() {
        daemon = DaemonProcess.start(dir, TICKER);
        await().until(() -> Files.exists(dir.resolve("logs/ticker.out.log")));
        DaemonProcess.Client follower = daemon.start("logs", "ticker", "-f", "-n", "1");

        // 2 KB files of about 10-byte lines: several rotations go by while we follow.
        await().until(() -> follower.out().lines().count() > 1000);
        follower.kill();

        List<Integer> ticks = new ArrayList<>();
        for (String line : follower.out().lines().toList()) {
            assertThat(line).matches("tick \\d+");
            ticks.add(Integer.parseInt(line.substring(5)));
        }
        for (int i = 1; i < ticks.size(); i++) {
            assertThat(ticks.get(i)).as("line %d follows %d", ticks.get(i), ticks.get(i - 1)).isEqualTo(ticks.get(i - 1) + 1);
        }
        assertThat(Files.exists(dir.resolve("logs/ticker.out.log.3"))).as("the log rotated meanwhile").isTrue();
    }

    @Test
    void withLogsToStderrEveryLineReachesTheDaemonsStderrPrefixedWithItsIdAndNoFileIsWritten() {
        daemon = DaemonProcess.start(dir, """
                version: 1
                control: {socket: pooly.sock}
                logs: {dir: logs, to: stderr}
                supervisor:
                  children:
                    - process: {id: greeter, command: [sh, -c, 'echo hello; echo oops >&2; exec sleep 100000']}
                    - pool: {name: echo, command: [sh, -c, 'echo warming up >&2; exec cat'], size: 1}
                """);

        await().until(() -> daemon.log().contains("[greeter] hello\n") && daemon.log().contains("[greeter] oops\n")
                && daemon.log().contains("[echo] warming up\n"));
        assertThat(dir.resolve("logs/greeter.out.log")).doesNotExist();
        assertThat(dir.resolve("logs/echo.err.log")).doesNotExist();
    }

    @Test
    void logsOfAnUnknownIdExits69() {
        daemon = DaemonProcess.start(dir, TICKER);
        CliRun run = daemon.cli("logs", "nope");
        assertThat(run.exit()).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(run.err()).contains("no process or pool 'nope'");
    }
}
