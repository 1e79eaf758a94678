package dev.pooly.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static dev.pooly.cli.DaemonProcess.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The daemon's own log (contract section 5, "Logging") and its bounded request lines, against a real
 * daemon: no line per call at the default level, one with {@code --log-level debug}, JSON lines with
 * the ids, and a request line over its limit refused while everyone else is served.
 */
class DaemonLogIT {
    private static final String CAT = """
            version: 1
            control: {socket: pooly.sock}
            %s
            supervisor:
              children:
                - pool: {name: a, command: [cat], size: 1, max_overflow: 0}
            """;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;
    private DaemonProcess daemon;

    @AfterEach
    void stop() {
        if (daemon != null) daemon.close();
    }

    private void calls(int n) {
        for (int i = 0; i < n; i++) {
            try (ProtocolClient client = ProtocolClient.lease(daemon.socket(), "a")) {
                client.line("ping " + i);
                assertThat(client.receive().path("line").asText()).isEqualTo("ping " + i);
                client.op("checkin");
                assertThat(client.receive().path("ok").asBoolean()).isTrue();
            }
        }
    }

    /** A worker replaced: an info line we can wait for, so that every line before it has been written. */
    private void markLog() {
        JsonNode worker = daemon.status().path("pools").get(0).path("workers").get(0);
        long pid = worker.path("pid").asLong();
        assertThat(daemon.cli("kill", worker.path("id").asText()).exit()).isZero();
        await().until(() -> daemon.log().contains("(pid " + pid + ") ended"));
    }

    @Test
    void theDefaultLevelWritesNoLinePerCall() {
        daemon = DaemonProcess.start(dir, CAT.formatted(""));
        await().until(() -> daemon.status().path("pools").get(0).path("idle").asInt() == 1);
        long before = daemon.log().lines().count();

        calls(200);
        markLog();

        assertThat(daemon.log()).doesNotContain("leased to a client");
        assertThat(daemon.log().lines().count() - before).as("lines for 200 calls and one kill:%n%s", daemon.log()).isLessThan(10);
    }

    @Test
    void logLevelDebugOnTheCommandLineWritesEveryLease() {
        daemon = DaemonProcess.start(dir, CAT.formatted("log: {level: warn}"), "--log-level", "debug");
        await().until(() -> daemon.status().path("pools").get(0).path("idle").asInt() == 1);

        calls(5);
        markLog();

        assertThat(daemon.log().lines().filter(l -> l.contains("[DEBUG] lease - pool a: worker") && l.endsWith("leased to a client")))
                .hasSize(5);
    }

    @Test
    void jsonFormatWritesOneObjectPerLineWithTheIdsInvolved() throws IOException {
        daemon = DaemonProcess.start(dir, CAT.formatted("log: {level: debug, format: json}"));
        await().until(() -> daemon.status().path("pools").get(0).path("idle").asInt() == 1);
        calls(1);
        markLog();

        List<JsonNode> lines = daemon.log().lines().map(DaemonLogIT::json).toList();
        assertThat(lines).isNotEmpty().allSatisfy(line -> assertThat(line.fieldNames()).toIterable()
                .startsWith("time", "level", "logger", "message"));
        assertThat(lines).allSatisfy(line -> assertThat(line.path("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"));
        JsonNode lease = lines.stream().filter(l -> l.path("message").asText().endsWith("leased to a client")).findFirst().orElseThrow();
        assertThat(lease.path("level").asText()).isEqualTo("debug");
        assertThat(lease.path("logger").asText()).isEqualTo("pooly.lease");
        assertThat(lease.path("pool").asText()).isEqualTo("a");
        assertThat(lease.path("pid").isNumber()).isTrue();
        JsonNode ended = lines.stream().filter(l -> l.path("message").asText().contains(") ended")).findFirst().orElseThrow();
        assertThat(ended.path("pool").asText()).isEqualTo("a");
        assertThat(ended.path("worker").asText()).startsWith("a-");
        assertThat(ended.path("pid").isNumber()).isTrue();
        JsonNode started = lines.stream().filter(l -> l.path("message").asText().endsWith(": started")).findFirst().orElseThrow();
        assertThat(started.path("node").asText()).isNotEmpty();
    }

    @Test
    void anUnknownLogLevelFlagIsAUsageError() {
        DaemonProcess.writeConfig(dir, CAT.formatted(""));
        CliRun run = DaemonProcess.run(dir, null, java.util.Map.of(), List.of("daemon", "-c", dir.resolve("pooly.yaml").toString(), "--log-level", "loud"));

        assertThat(run.exit()).isEqualTo(64);
        assertThat(run.err()).contains("unknown log level 'loud'; expected error, warn, info or debug");
    }

    /**
     * A real client (python3) streams 20 MiB without a newline, then reads what the daemon answered. It
     * prints the answer on stdout and on stderr how many bytes the socket took before the daemon
     * closed it.
     */
    private static final String FLOOD = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sys.argv[1])
            chunk = b"{" * 65536
            sent = 0
            try:
                for _ in range(320):
                    s.sendall(chunk)
                    sent += len(chunk)
            except OSError:
                pass
            reply = b""
            while True:
                try:
                    b = s.recv(65536)
                except OSError:
                    break
                if not b:
                    break
                reply += b
            sys.stdout.write(reply.decode())
            sys.stderr.write(str(sent))
            """;

    @Test
    void aRequestLineOverItsLimitIsRefusedWith64WhileOthersAreServed() throws Exception {
        daemon = DaemonProcess.start(dir, CAT.formatted(""));
        await().until(() -> daemon.status().path("pools").get(0).path("idle").asInt() == 1);
        try (SocketChannel slow = SocketChannel.open(UnixDomainSocketAddress.of(daemon.socket()))) {
            // Half a line, under the limit, and then nothing: its connection waits, nobody else does.
            byte[] half = new byte[512 << 10];
            Arrays.fill(half, (byte) ' ');
            Channels.newOutputStream(slow).write(half);
            assertThat(daemon.status().path("pools").get(0).path("idle").asInt()).isEqualTo(1);

            Process flood = new ProcessBuilder("python3", "-c", FLOOD, daemon.socket().toString()).start();
            // Others are served while the flood is sent and refused.
            while (flood.isAlive()) {
                assertThat(daemon.status().path("pools").get(0).path("idle").asInt()).isEqualTo(1);
                if (flood.waitFor(10, java.util.concurrent.TimeUnit.MILLISECONDS)) break;
            }
            String reply = new String(flood.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            String sent = new String(flood.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
            assertThat(flood.waitFor()).as("python3: %s", sent).isZero();

            assertThat(reply.lines()).as("one answer, then the connection is closed").hasSize(1);
            JsonNode refusal = DaemonProcess.JSON.readTree(reply);
            assertThat(refusal.path("ok").asBoolean()).isFalse();
            assertThat(refusal.path("code").asInt()).isEqualTo(64);
            assertThat(refusal.path("error").asText()).contains("1 MiB (1048576 bytes)", "limit for a request line");
            // The daemon stopped reading at the limit: the socket took the limit and its buffers, not 20 MiB.
            assertThat(Long.parseLong(sent)).isLessThan(8L << 20);
        }
        assertThat(daemon.status().path("pools").get(0).path("idle").asInt()).isEqualTo(1);
        calls(1);
    }

    private static JsonNode json(String line) {
        try {
            return DaemonProcess.JSON.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException("not a JSON line: " + line, e);
        }
    }
}
