package dev.pooly.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The HTTP API against a real daemon, called by real clients: docs/http.md's curl, Python and Node.js
 * examples run exactly as the document shows them (extracted from it, so the docs cannot drift), Go's
 * when a Go toolchain is installed; the error statuses; and a client that hangs up mid-call, whose
 * worker must be replaced and whose lease must end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpApiIT {
    private static final Path DOC = Path.of("../docs/http.md").toAbsolutePath().normalize();
    private static final Pattern EXAMPLE = Pattern.compile("<!-- example: (\\w+) -->\\s*```\\w*\\n(.*?)```", Pattern.DOTALL);

    private Path dir;
    private DaemonProcess daemon;

    @BeforeAll
    void startDaemon(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) {
        this.dir = dir;
        daemon = DaemonProcess.start(dir, """
                version: 1
                control: {socket: pooly.sock}
                logs: {dir: logs}
                http: {socket: pooly-http.sock}
                supervisor:
                  id: root
                  children:
                    - pool: {name: echo, command: [cat], size: 2}
                    - pool: {name: mute, command: [sh, -c, 'while read -r l; do echo "$l" >> "$0"; done', %s], size: 1}
                    - pool: {name: sql, command: [sqlite3, -batch], size: 1, framing: {kind: until, end: "-- end --", after: ".print '-- end --'"}}
                    - pool: {name: pretty, command: [jq, --unbuffered, -c, .], size: 1, framing: json}
                    - pool: {name: small, command: [cat], size: 1, framing: {kind: line, max: 16}}
                """.formatted(dir.resolve("mute.got")));
        DaemonProcess.await().until(() -> Files.exists(dir.resolve("pooly-http.sock")));
    }

    @AfterAll
    void stop() {
        if (daemon != null) daemon.close();
    }

    @BeforeEach
    void atRest() {
        daemon.awaitIdle("echo", 2);
        daemon.awaitIdle("mute", 1);
        daemon.awaitIdle("pretty", 1);
    }

    @Test
    void theCurlExampleRuns() throws Exception {
        assertThat(run(List.of("bash", "-c", example("curl")))).isEqualTo("hello\n{\"frame\":\"one\"}\n{\"frame\":\"two\"}\n");
    }

    @Test
    void thePythonExampleRuns() throws Exception {
        Path script = Files.writeString(dir.resolve("example.py"), example("python"));
        assertThat(run(List.of("python3", script.toString()))).isEqualTo("hello\nworld\nidle workers: 2\n");
    }

    @Test
    void theNodeExampleRuns() throws Exception {
        assumeTrue(onPath("node"), "no node on PATH");
        Path script = Files.writeString(dir.resolve("example.js"), example("node"));
        assertThat(run(List.of("node", script.toString()))).isEqualTo("hello\n");
    }

    @Test
    void theGoExampleRunsWhenGoIsInstalled() throws Exception {
        assumeTrue(onPath("go"), "no Go toolchain on PATH");
        Path script = Files.writeString(dir.resolve("example.go"), example("go"));
        assertThat(run(List.of("go", "run", script.toString()))).isEqualTo("hello\n");
    }

    @Test
    void errorsHaveTheProtocolsBodyAndAFittingStatus() throws Exception {
        assertThat(curl("-d", "x", "http://localhost/v1/pools/nope/call"))
                .startsWith("404 ").contains("\"ok\":false", "\"code\":69", "no pool named 'nope'");
        assertThat(curl("http://localhost/v1/pools/echo/call")).startsWith("405 ").contains("use POST");
        assertThat(curl("-d", "x", "http://localhost/v1/pools/echo/call?timeout=soon")).startsWith("400 ").contains("bad timeout 'soon'");
        assertThat(curl("http://localhost/v2/status")).startsWith("404 ").contains("the API is under /v1");
        assertThat(curl("-d", "x", "http://localhost/v1/pools/mute/call?request_timeout=300ms"))
                .startsWith("504 ").contains("\"code\":75");
        assertThat(curl("http://localhost/v1/pools/echo")).startsWith("200 ").contains("\"name\":\"echo\"", "\"workers\"");
    }

    @Test
    void framedPoolsAreCalledWithWholeFrames() throws Exception {
        // until: a request that spans statements, the answer every line before the end marker.
        assertThat(curl("--data-binary", "select 1+1;\nselect 'a';", "http://localhost/v1/pools/sql/call")).isEqualTo("200 2\na");
        // json: the frame is one JSON value, compacted on the way in (its line break would otherwise be two frames).
        assertThat(curl("--data-binary", "{\"a\": [1,\n 2]}", "http://localhost/v1/pools/pretty/call")).isEqualTo("200 {\"a\":[1,2]}");
        assertThat(curl("-H", "Content-Type: application/x-ndjson",
                "--data-binary", "{\"frame\":\"[1,\\n2]\"}\n{\"frame_base64\":\"eyJiIjp0cnVlfQ==\"}\n", "http://localhost/v1/pools/pretty/call"))
                .isEqualTo("200 {\"frame\":\"[1,2]\"}\n{\"frame_base64\":\"eyJiIjp0cnVlfQ==\"}\n");
    }

    @Test
    void aBodyTheFramingCannotCarryIsRefusedAndReachesNoWorker() throws Exception {
        int uses = daemon.pool("pretty").path("workers").get(0).path("uses").asInt();
        assertThat(curl("--data-binary", "{\"a\": ", "http://localhost/v1/pools/pretty/call"))
                .startsWith("400 ").contains("\"code\":64", "an unfinished JSON value", "reached no worker");
        assertThat(curl("--data-binary", "two\nlines", "http://localhost/v1/pools/echo/call")).startsWith("400 ").contains("a line break");
        assertThat(daemon.pool("pretty").path("workers").get(0).path("uses").asInt()).isEqualTo(uses);
    }

    /**
     * We test "at once" by declaring a body over the limit and sending none of it: the 413 must come
     * back without the daemon waiting for the body. A chunked body, whose length is not declared, is
     * refused as soon as what arrived passes the limit.
     */
    @Test
    void aBodyOverThePoolsFrameLimitIsRefusedAtOnce() throws Exception {
        try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            client.connect(UnixDomainSocketAddress.of(dir.resolve("pooly-http.sock")));
            client.write(ascii("POST /v1/pools/small/call HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000000\r\n\r\n"));
            String reply = readReply(client);
            assertThat(reply).startsWith("HTTP/1.1 413 ").contains("over the pool's frame limit of 16 bytes");
        }
        assertThat(curl("-H", "Transfer-Encoding: chunked", "--data-binary", "x".repeat(100), "http://localhost/v1/pools/small/call"))
                .startsWith("413 ").contains("over its limit");
        assertThat(curl("--data-binary", "0123456789abcdef\n", "http://localhost/v1/pools/small/call")).isEqualTo("200 0123456789abcdef\n");
    }

    /**
     * We test this with a worker that never answers, so that only the hang-up can end the lease: a
     * client sends its whole one-frame body and closes; the worker must be killed and replaced, the
     * lease ended. (It once stayed out forever: the watch read into a buffer with no room, so it never saw
     * the end of stream.)
     */
    @Test
    void aClientThatHangsUpMidCallEndsTheLeaseAndTheWorkerIsReplaced() throws Exception {
        hangUpMidCall("POST /v1/pools/mute/call HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello");
    }

    /** The same while the NDJSON body is still open (its end not sent): the body's read demand sees the hang-up. */
    @Test
    void aStreamingClientThatHangsUpMidCallEndsTheLeaseAndTheWorkerIsReplaced() throws Exception {
        String line = "{\"frame\":\"hello\"}\n";
        hangUpMidCall("POST /v1/pools/mute/call HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-ndjson\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(line.length()) + "\r\n" + line + "\r\n");
    }

    private void hangUpMidCall(String request) throws Exception {
        long before = daemon.workerPids("mute").getFirst();
        Path got = dir.resolve("mute.got");
        long linesBefore = Files.exists(got) ? Files.readAllLines(got).size() : 0;
        try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            client.connect(UnixDomainSocketAddress.of(dir.resolve("pooly-http.sock")));
            client.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
            // Hang up once the worker has the request (the mute worker writes down each line it reads):
            // a client gone before its request was sent leaves the worker quiet, and it is not replaced.
            DaemonProcess.await().until(() -> Files.exists(got) && Files.readAllLines(got).size() > linesBefore);
        }
        // The worker never answers: only the hang-up can end this lease.
        DaemonProcess.await().until(() -> {
            JsonNode pool = daemon.pool("mute");
            return pool.path("busy").asInt() == 0 && pool.path("idle").asInt() == 1
                    && !daemon.workerPids("mute").contains(before);
        });
        assertThat(DaemonProcess.alive(before)).isFalse();
    }

    private static ByteBuffer ascii(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    }

    /** What the daemon writes until it closes the connection (a refusal closes it). */
    private static String readReply(SocketChannel client) throws IOException {
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(8192);
        while (client.read(buf) >= 0) {
            got.write(buf.array(), 0, buf.position());
            buf.clear();
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    private String example(String language) throws IOException {
        Matcher m = EXAMPLE.matcher(Files.readString(DOC));
        while (m.find()) {
            if (m.group(1).equals(language)) return m.group(2);
        }
        throw new AssertionError("docs/http.md has no example marked <!-- example: " + language + " -->");
    }

    /** curl over the socket; the status, a space, then the body. */
    private String curl(String... args) throws Exception {
        return Curl.call(dir, args);
    }

    /** Runs {@code command} in the daemon's directory to its end; its stdout, or a failure with its stderr. */
    private String run(List<String> command) throws Exception {
        return Curl.run(dir, command);
    }

    private static boolean onPath(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, program))) return true;
        }
        return false;
    }
}
