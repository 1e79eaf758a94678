package dev.pooly.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Framed pools through the real daemon: the lease protocol's {@code {"frame":...}} and
 * {@code {"frame_base64":...}} messages (answers in the request's form), and {@code pooly call} per
 * framing, with real programs: sqlite3 ({@code until}), jq ({@code json}), a Python packet-4 worker,
 * a Node.js JSON-RPC server ({@code content_length}) and a Python NUL worker. A bad answer frame ends
 * the call with 1 showing its first bytes; a request the framing cannot carry exits 64 and reaches no worker.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FramingIT {
    private static final String PACKET4 = """
            import struct, sys, time
            inp, out = sys.stdin.buffer, sys.stdout.buffer
            while True:
                head = inp.read(4)
                if len(head) < 4: break
                p = inp.read(struct.unpack('>I', head)[0])
                with open(sys.argv[1], 'ab') as heard: heard.write(p + b'\\n')
                if p == b'huge': out.write(struct.pack('>I', 10000000) + b'xyz')
                elif p == b'slow':
                    time.sleep(1); out.write(struct.pack('>I', 4) + b'wols')
                elif p == b'surplus': out.write(struct.pack('>I', 1) + b'a' + struct.pack('>I', 1) + b'b')
                else: out.write(struct.pack('>I', len(p)) + p[::-1])
                out.flush()
            """;
    private static final String NUL = """
            import sys
            inp, out = sys.stdin.buffer, sys.stdout.buffer
            buf = b''
            while True:
                c = inp.read1(65536)
                if not c: break
                buf += c
                while b'\\0' in buf:
                    r, buf = buf.split(b'\\0', 1)
                    out.write(r.upper() + b'\\0'); out.flush()
            """;
    private static final String JSONRPC = """
            let buf = Buffer.alloc(0);
            process.stdin.on('data', (chunk) => {
              buf = Buffer.concat([buf, chunk]);
              for (;;) {
                const end = buf.indexOf('\\r\\n\\r\\n');
                if (end < 0) return;
                const n = parseInt(/Content-Length: *(\\d+)/i.exec(buf.subarray(0, end).toString())[1], 10);
                if (buf.length < end + 4 + n) return;
                const req = JSON.parse(buf.subarray(end + 4, end + 4 + n).toString('utf8'));
                buf = buf.subarray(end + 4 + n);
                const t = req.params.text;
                const body = Buffer.from(JSON.stringify({jsonrpc: '2.0', id: req.id, result: {text: t.toUpperCase(), bytes: Buffer.byteLength(t)}}));
                process.stdout.write(Buffer.concat([Buffer.from('Content-Length: ' + body.length + '\\r\\n\\r\\n'), body]));
              }
            });
            """;

    private DaemonProcess daemon;
    private Path heard;

    @BeforeAll
    void startDaemon(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws IOException {
        heard = dir.resolve("heard");
        Files.writeString(dir.resolve("packet4.py"), PACKET4);
        Files.writeString(dir.resolve("nul.py"), NUL);
        Files.writeString(dir.resolve("jsonrpc.js"), JSONRPC);
        daemon = DaemonProcess.start(dir, """
                version: 1
                control: {socket: pooly.sock}
                logs: {dir: logs}
                supervisor:
                  max_restarts: 100
                  children:
                    - pool:
                        name: sql
                        command: [sqlite3, -batch, data.db]
                        framing: {kind: until, end: "-- end --", after: ".print '-- end --'"}
                    - pool: {name: pretty, command: [jq, --unbuffered, .], framing: json}
                    - pool: {name: bin, command: [python3, -u, packet4.py, %1$s], framing: {kind: packet, size: 4, max: 1000}, max_restarts: 100}
                    - pool: {name: lsp, command: [node, jsonrpc.js], framing: content_length}
                    - pool: {name: nul, command: [python3, -u, nul.py], framing: nul}
                    - pool: {name: plain, command: [cat]}
                """.formatted(heard));
        assertThat(daemon.cli("call", "sql", "create table t(x, y); insert into t values (1, 'a'), (2, 'b'), (3, 'c');").exit()).isZero();
    }

    @AfterAll
    void stopDaemon() {
        if (daemon != null) daemon.close();
    }

    @Test
    void callPrintsEveryRowOfAnUntilAnswer() {
        CliRun run = daemon.cli("call", "sql", "select x, y from t order by x;");
        assertThat(run.exit()).as("%s", run).isZero();
        assertThat(run.out()).isEqualTo("1|a\n2|b\n3|c\n");
        // Without REQUEST, each line of stdin is one request.
        CliRun lines = daemon.cliWithInput("select count(*) from t;\nselect y from t where x = 2;\n", "call", "sql");
        assertThat(lines.out()).as("%s", lines).isEqualTo("3\nb\n");
    }

    @Test
    void callPrintsPrettyJsonAsOneAnswer() {
        CliRun run = daemon.cli("call", "pretty", "{\"a\":[1,2]}");
        assertThat(run.exit()).as("%s", run).isZero();
        assertThat(run.out()).isEqualTo("{\n  \"a\": [\n    1,\n    2\n  ]\n}\n");
    }

    @Test
    void aLeaseSessionCarriesFramesAndAnswersInTheRequestsForm() {
        try (ProtocolClient client = ProtocolClient.lease(daemon.socket(), "bin")) {
            byte[] binary = {0, '\n', 'a', 1, (byte) 0xff, 'b', '\r'};
            client.send(DaemonProcess.JSON.createObjectNode().put("frame_base64", Base64.getEncoder().encodeToString(binary)));
            client.send(DaemonProcess.JSON.createObjectNode().put("frame", "olleh"));
            JsonNode first = client.receive();
            assertThat(Base64.getDecoder().decode(first.get("frame_base64").asText())).containsExactly('\r', 'b', 0xff, 1, 'a', '\n', 0);
            assertThat(client.receive()).isEqualTo(DaemonProcess.JSON.createObjectNode().put("frame", "hello"));
            client.op("checkin");
            assertThat(client.receive().path("checked_in").asBoolean()).isTrue();
        }
    }

    @Test
    void aLineMessageOnAFramedPoolAndInvalidBase64AreRefusedWith64() {
        try (ProtocolClient client = ProtocolClient.lease(daemon.socket(), "bin")) {
            client.line("hello");
            JsonNode refusal = client.receive();
            assertThat(refusal.path("code").asInt()).as("%s", refusal).isEqualTo(64);
            assertThat(refusal.path("error").asText()).contains("{\"line\":...} is for line pools", "packet");
        }
        try (ProtocolClient client = ProtocolClient.lease(daemon.socket(), "bin")) {
            client.send(DaemonProcess.JSON.createObjectNode().put("frame_base64", "not base64!"));
            JsonNode refusal = client.receive();
            assertThat(refusal.path("code").asInt()).as("%s", refusal).isEqualTo(64);
            assertThat(refusal.path("error").asText()).contains("not valid base64", "reached no worker");
        }
    }

    @Test
    void callSendsAFileAsOneBinaryFrame() throws IOException {
        Path input = daemon.dir().resolve("payload.bin");
        Files.write(input, new byte[] {'x', 0, '\n', 'y', 1});
        CliRun run = daemon.cli("call", "bin", "--input", input.toString());
        assertThat(run.exit()).as("%s", run).isZero();
        assertThat(run.out()).isEqualTo("\u0001y\n\u0000x\n");
    }

    @Test
    void aRequestOverMaxExits64AndReachesNoWorker() throws IOException {
        CliRun run = daemon.cli("call", "bin", "z" + "q".repeat(1999));
        assertThat(run.exit()).as("%s", run).isEqualTo(64);
        assertThat(run.err()).contains("2000 bytes is over max 1000", "reached no worker");
        assertThat(Files.exists(heard) ? Files.readString(heard) : "").doesNotContain("zqq");
    }

    @Test
    void anInputOverMaxExits64BeforeItIsSentOrReadToItsEnd() throws IOException {
        Path input = daemon.dir().resolve("twenty.bin");
        byte[] twenty = new byte[20_000_000];
        Arrays.fill(twenty, (byte) 'w');
        Files.write(input, twenty);
        CliRun file = daemon.cli("call", "bin", "--input", input.toString());
        assertThat(file.exit()).as("%s", file).isEqualTo(64);
        assertThat(file.err()).contains(input + " is more than pool bin's frame max of 1000 bytes (framing packet)", "reached no worker");
        CliRun stdin = daemon.cliWithInput("v".repeat(5000), "call", "bin", "--input", "-");
        assertThat(stdin.exit()).as("%s", stdin).isEqualTo(64);
        assertThat(stdin.err()).contains("stdin holds more than pool bin's frame max of 1000 bytes");
        assertThat(Files.exists(heard) ? Files.readString(heard) : "").doesNotContain("www", "vvv");
        assertThat(daemon.cli("call", "bin", "cba").out()).isEqualTo("abc\n"); // the lease was checked in, the worker is fine
    }

    @Test
    void aFrameMessageOverThePoolsMaxIsRefusedOnceItsLimitPassesAndTheConnectionIsDropped() throws Exception {
        // We test this by streaming a 20 MB frame_base64 message to a pool with max 1000: the daemon must answer
        // 64 once max's base64 and the message's room (5432 bytes) have passed, and stop reading.
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(daemon.socket()))) {
            OutputStream out = Channels.newOutputStream(channel);
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
            out.write("{\"op\":\"lease\",\"pool\":\"bin\"}\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            JsonNode grant = DaemonProcess.JSON.readTree(in.readLine());
            assertThat(grant.path("max").asLong()).as("%s", grant).isEqualTo(1000);
            AtomicLong written = new AtomicLong();
            Thread sender = Thread.ofPlatform().name("twenty-mb-sender").start(() -> {
                byte[] chunk = new byte[64 * 1024];
                Arrays.fill(chunk, (byte) 'A');
                try {
                    out.write("{\"frame_base64\":\"".getBytes(StandardCharsets.UTF_8));
                    while (written.get() < 26_666_668) {
                        out.write(chunk);
                        written.addAndGet(chunk.length);
                    }
                } catch (IOException dropped) {
                    // The daemon closed the connection: what a client over the limit sees.
                }
            });
            JsonNode refusal = DaemonProcess.JSON.readTree(in.readLine());
            assertThat(refusal.path("code").asInt()).as("%s", refusal).isEqualTo(64);
            assertThat(refusal.path("error").asText()).contains("5432 bytes", "pool bin (framing packet, max 1000 bytes",
                    "refused without reading the rest");
            String after;
            try {
                after = in.readLine();
            } catch (IOException reset) {
                after = null; // closed with the client's bytes unread: Linux reports a reset after the refusal
            }
            assertThat(after).as("the connection is closed after the refusal").isNull();
            sender.join(DaemonProcess.PATIENCE.toMillis());
            assertThat(sender.isAlive()).isFalse();
            assertThat(written.get()).as("bytes the client could write before the daemon stopped reading").isLessThan(20_000_000);
        }
        assertThat(Files.exists(heard) ? Files.readString(heard) : "").doesNotContain("AAAA");
        assertThat(daemon.cli("call", "bin", "cba").out()).isEqualTo("abc\n");
    }

    @Test
    void aFrameMessageOnALinePoolIsOneLineAnsweredInItsForm() {
        try (ProtocolClient client = ProtocolClient.lease(daemon.socket(), "plain")) {
            client.send(DaemonProcess.JSON.createObjectNode().put("frame", "hello"));
            client.send(DaemonProcess.JSON.createObjectNode().put("frame_base64", Base64.getEncoder().encodeToString("wörld".getBytes(StandardCharsets.UTF_8))));
            client.line("as a line");
            assertThat(client.receive()).isEqualTo(DaemonProcess.JSON.createObjectNode().put("frame", "hello"));
            assertThat(new String(Base64.getDecoder().decode(client.receive().get("frame_base64").asText()), StandardCharsets.UTF_8)).isEqualTo("wörld");
            assertThat(client.receive()).isEqualTo(DaemonProcess.JSON.createObjectNode().put("line", "as a line"));
            client.send(DaemonProcess.JSON.createObjectNode().put("frame", "two\nlines"));
            JsonNode refusal = client.receive();
            assertThat(refusal.path("code").asInt()).as("%s", refusal).isEqualTo(64);
            assertThat(refusal.path("error").asText()).contains("a line break at byte 3", "reached no worker");
        }
    }

    @Test
    void anOversizedAnswerEndsTheCallWith1ShowingItsFirstBytesAndTheWorkerIsReplaced() {
        long before = daemon.workerPids("bin").getFirst();
        CliRun run = daemon.cli("call", "bin", "huge");
        assertThat(run.exit()).as("%s", run).isEqualTo(1);
        assertThat(run.err()).contains("pool bin: worker " + before, "length 10000000 is over max 1000", "first bytes: \"\\0\\x98\\x96\\x80\"");
        DaemonProcess.await().until(() -> !daemon.workerPids("bin").contains(before) && daemon.workerPids("bin").size() == 1);
        assertThat(daemon.cli("call", "bin", "cba").out()).isEqualTo("abc\n");
    }

    @Test
    void aSurplusAnswerFrameEndsTheSessionWith1() {
        CliRun run = daemon.cli("call", "bin", "surplus");
        // The answer 'a' is the request's; the surplus 'b' either ends the session (1) or is caught at checkin (worker replaced).
        assertThat(run.out()).startsWith("a\n");
        if (run.exit() != 0) assertThat(run.err()).contains("surplus answer frame", "first bytes: \"\\0\\0\\0\\x01b\"");
        assertThat(daemon.cli("call", "bin", "cba").out()).isEqualTo("abc\n"); // never the surplus 'b'
    }

    @Test
    void aClientThatLeavesMidRequestNeverHandsItsAnswerOn() {
        long before;
        try (ProtocolClient client = ProtocolClient.lease(daemon.socket(), "bin")) {
            before = client.pid();
            client.send(DaemonProcess.JSON.createObjectNode().put("frame", "slow"));
        } // gone before the answer: the worker owes it to nobody, so it is replaced
        DaemonProcess.await().until(() -> !daemon.workerPids("bin").contains(before) && daemon.workerPids("bin").size() == 1);
        assertThat(daemon.cli("call", "bin", "cba").out()).isEqualTo("abc\n");
    }

    @Test
    void callCountsContentLengthInBytesOfMultibyteText() {
        CliRun run = daemon.cli("call", "lsp", "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"upper\",\"params\":{\"text\":\"grüße €\"}}");
        assertThat(run.exit()).as("%s", run).isZero();
        assertThat(run.out()).isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"text\":\"GRÜSSE €\",\"bytes\":11}}\n");
    }

    @Test
    void callWithNullSeparatesRequestsAndAnswersByNul() {
        CliRun run = daemon.cliWithInput("one\ntwo\u0000three\u0000", "call", "nul", "-0");
        assertThat(run.exit()).as("%s", run).isZero();
        assertThat(run.out()).isEqualTo("ONE\nTWO\u0000THREE\u0000");
    }
}
