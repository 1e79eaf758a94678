package dev.pooly.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The root supervisor is the daemon itself: {@code pooly stop|start|restart|kill root} are refused with
 * 64 naming {@code pooly shutdown}, and the tree is untouched. ({@code kill root} once ended the daemon
 * and printed "done" with exit 0, like a node kill that healed.)
 */
class RootCommandsIT {
    @TempDir Path dir;

    @Test
    void everyNodeCommandOnTheRootIsRefusedNamingShutdownAndTheTreeStaysAsItWas() {
        try (DaemonProcess daemon = DaemonProcess.start(dir, """
                version: 1
                control: {socket: pooly.sock}
                logs: {dir: logs}
                supervisor:
                  children:
                    - process: {id: a, command: [sleep, "100000"]}
                """)) {
            Map<String, Long> before = daemon.pidsById();
            for (String op : new String[] {"kill", "stop", "restart", "start"}) {
                CliRun run = daemon.cli(op, "root");
                assertThat(run.exit()).as("%s root: %s", op, run).isEqualTo(64);
                assertThat(run.err()).as("%s root", op).contains("root is the root supervisor, the daemon itself: `pooly shutdown` stops it; "
                        + op + " its children instead");
                assertThat(run.out()).doesNotContain("done");
            }
            assertThat(daemon.isRunning()).isTrue();
            assertThat(daemon.pidsById()).isEqualTo(before);
        }
    }
}
