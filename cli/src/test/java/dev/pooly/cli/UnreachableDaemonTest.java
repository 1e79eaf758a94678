package dev.pooly.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Client commands with no daemon at the socket: exit 69 and a message that names the socket. */
class UnreachableDaemonTest {
    @TempDir Path dir;

    @ParameterizedTest(name = "pooly {0} ... -s SOCKET")
    @ValueSource(strings = {"status", "status --json", "call upper hello", "checkout upper", "kill upper-1", "stop cache",
            "start cache", "restart cache", "shutdown"})
    void everyClientCommandExits69NamingTheSocket(String command) {
        Path socket = dir.resolve("nobody.sock");

        CliRun run = CliRun.inProcess((command + " -s " + socket).split(" "));

        assertThat(run.exit()).as(run::toString).isEqualTo(ExitCode.UNAVAILABLE).isEqualTo(69);
        assertThat(run.err()).as(run::toString).startsWith("pooly: ").contains(socket.toString());
        assertThat(run.out()).isEmpty();
    }

    @Test
    void callWithRequestsOnStdinExits69WithoutReadingThem() {
        Path socket = dir.resolve("nobody.sock");

        CliRun run = CliRun.inProcessWithInput("a\nb\nc\n", "call", "upper", "-s", socket.toString());

        assertThat(run.exit()).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains(socket.toString());
    }

    @Test
    void theSocketIsReadFromTheConfigRelativeToTheConfigFile() throws IOException {
        Path config = Files.createDirectories(dir.resolve("etc")).resolve("pooly.yaml");
        Files.writeString(config, """
                version: 1
                control:
                  socket: run/ctl.sock
                supervisor:
                  children: []
                """);

        CliRun run = CliRun.inProcess("status", "-c", config.toString());

        assertThat(run.exit()).as(run::toString).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(run.err()).contains(dir.resolve("etc/run/ctl.sock").toString());
    }

    @Test
    void socketOptionWinsOverTheConfigsSocket() throws IOException {
        Path config = Files.writeString(dir.resolve("pooly.yaml"), "version: 1\ncontrol: {socket: from-config.sock}\nsupervisor: {children: []}\n");
        Path socket = dir.resolve("from-option.sock");

        CliRun run = CliRun.inProcess("status", "-c", config.toString(), "-s", socket.toString());

        assertThat(run.exit()).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(run.err()).contains(socket.toString()).doesNotContain("from-config.sock");
    }

    @Test
    void aSocketFileNobodyListensOnIsUnreachableToo() throws IOException {
        // We test this by binding a socket and closing it: the file stays, like a daemon's after SIGKILL.
        Path socket = dir.resolve("stale.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThat(socket).exists();

        CliRun run = CliRun.inProcess("status", "-s", socket.toString());

        assertThat(run.exit()).as(run::toString).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(run.err()).contains(socket.toString());
    }
}
