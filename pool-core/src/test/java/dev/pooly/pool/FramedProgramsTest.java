package dev.pooly.pool;

import dev.pooly.supervisor.Intensity;
import dev.pooly.supervisor.ProcessSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Pools of real programs whose answers are not one line, through the lease's frame operations:
 * sqlite3 and bc ({@code until}), jq without -c ({@code json}), a Python worker speaking {@code packet 4},
 * a Node.js JSON-RPC server ({@code content_length}) and a NUL-framed worker; and the quiet rule
 * (a surplus, oversized, malformed or truncated answer frame gets the worker replaced, and its error
 * names the pool, the pid, what was wrong and the first bytes).
 */
@Timeout(60)
class FramedProgramsTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @TempDir Path dir;

    private static String worker(String name) {
        try {
            return Path.of(FramedProgramsTest.class.getResource("workers/" + name).toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PoolSpec pool(String name, Framing framing, String... command) {
        return PoolSpec.of(name, ProcessSpec.of(name, command), 1, 0).withFraming(framing)
                .withIntensity(Intensity.of(100, Duration.ofSeconds(10)));
    }

    private static byte[] bytes(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    @Test
    void sqlite3AnswersEveryRowOfAQueryAsOneFrame() {
        Framing until = new Framing.Until("-- end --", ".print '-- end --'", Framing.DEFAULT_MAX);
        try (RunningPool p = RunningPool.start(pool("sql", until, "sqlite3", "-batch", dir.resolve("data.db").toString()));
             Lease lease = p.checkout()) {
            assertThat(lease.requestText("create table t(x, y);\ninsert into t values (1, 'a'), (2, 'b'), (3, 'c');", DEADLINE)).isEmpty();
            assertThat(lease.requestText("select x, y from t order by x;", DEADLINE)).isEqualTo("1|a\n2|b\n3|c");
            // Pipelined: two queries written, then two answers read, in order.
            lease.writeFrame("select count(*) from t;");
            lease.writeFrame("select y from t where x > 1;");
            assertThat(lease.readText(DEADLINE)).isEqualTo("3");
            assertThat(lease.readText(DEADLINE)).isEqualTo("b\nc");
        }
    }

    @Test
    void bcAnswersANumberLongerThanALineAsOneFrame() {
        Framing until = new Framing.Until("-- end --", "print \"-- end --\\n\"", Framing.DEFAULT_MAX);
        try (RunningPool p = RunningPool.start(pool("bc", until, "bc", "-q")); Lease lease = p.checkout()) {
            String answer = lease.requestText("2^1000", DEADLINE);
            assertThat(answer).contains("\\\n"); // bc wraps long numbers over several lines
            assertThat(new BigInteger(answer.replace("\\\n", ""))).isEqualTo(BigInteger.TWO.pow(1000));
            assertThat(lease.requestText("6*7", DEADLINE)).isEqualTo("42");
        }
    }

    @Test
    void jqWithoutCompactOutputAnswersPrettyJsonAsOneFrame() {
        try (RunningPool p = RunningPool.start(pool("pretty", new Framing.Json(), "jq", "--unbuffered", "."));
             Lease lease = p.checkout()) {
            assertThat(lease.requestText("{\"a\": [1, 2],\n \"b\": \"grüße } \\\"\"}", DEADLINE))
                    .isEqualTo("{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": \"grüße } \\\"\"\n}");
            assertThat(lease.requestText("42", DEADLINE)).isEqualTo("42");
            assertThat(lease.requestText("[]", DEADLINE)).isEqualTo("[]");
            assertThatThrownBy(() -> lease.writeFrame("{} {}")).isInstanceOf(FrameException.class).hasMessageContaining("more than one JSON value");
            assertThat(lease.requestText("\"still here\"", DEADLINE)).isEqualTo("\"still here\"");
        }
    }

    @Test
    void aPacket4WorkerCarriesBinaryPayloadsWithNulAndNewline() {
        try (RunningPool p = RunningPool.start(pool("bin", new Framing.Packet(4), "python3", "-u", worker("packet4.py")));
             Lease lease = p.checkout()) {
            byte[] request = {0, '\n', 1, (byte) 0xff, '\r', 0, 'x', '\n'};
            byte[] reversed = {'\n', 'x', 0, '\r', (byte) 0xff, 1, '\n', 0};
            assertThat(lease.requestFrame(request, DEADLINE)).isEqualTo(reversed);
            assertThat(lease.requestFrame(new byte[0], DEADLINE)).isEmpty();
            byte[] big = new byte[1 << 20];
            for (int i = 0; i < big.length; i++) big[i] = (byte) i;
            byte[] answer = lease.requestFrame(big, DEADLINE);
            assertThat(answer).hasSize(big.length);
            assertThat(answer[0]).isEqualTo(big[big.length - 1]);
            assertThat(answer[big.length - 1]).isEqualTo(big[0]);
        }
    }

    @Test
    void aNodeJsonRpcServerWithContentLengthCountsBytesOfMultibyteText() {
        try (RunningPool p = RunningPool.start(pool("lsp", new Framing.ContentLength(), "node", worker("jsonrpc.js")));
             Lease lease = p.checkout()) {
            String answer = lease.requestText("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"upper\",\"params\":{\"text\":\"grüße € 𝄞\"}}", DEADLINE);
            assertThat(answer).isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"text\":\"GRÜSSE € 𝄞\",\"bytes\":16,\"chars\":9}}");
            lease.writeFrame("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"upper\",\"params\":{\"text\":\"a\\nb\"}}");
            lease.writeFrame("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"upper\",\"params\":{\"text\":\"ü\"}}");
            assertThat(lease.readText(DEADLINE)).contains("\"id\":2", "\"A\\nB\"");
            assertThat(lease.readText(DEADLINE)).contains("\"id\":3", "\"Ü\"", "\"bytes\":2");
        }
    }

    @Test
    void aNulFramedWorkerAnswersAndARequestHoldingANulIsRefusedBeforeItReachesTheWorker() {
        try (RunningPool p = RunningPool.start(pool("nul", new Framing.Nul(), "python3", "-u", worker("nul.py")));
             Lease lease = p.checkout()) {
            assertThat(lease.requestText("line one\nline two", DEADLINE)).isEqualTo("LINE ONE\nLINE TWO");
            assertThatThrownBy(() -> lease.requestFrame(new byte[] {'a', 0, 'b'}, DEADLINE))
                    .isInstanceOf(FrameException.class).isNotInstanceOf(BadFrameException.class)
                    .hasMessageContaining("a NUL byte at byte 1").hasMessageContaining("a\\0b");
            // Nothing reached the worker: the lease is still good and the next answer is its own.
            assertThat(lease.unanswered()).isZero();
            assertThat(lease.requestText("next", DEADLINE)).isEqualTo("NEXT");
        }
    }

    @Test
    void healthChecksSpeakThePoolsFraming() {
        // A line-framed PING would be read by the packet worker as a 1.3 GB length: it would never answer.
        PoolSpec spec = pool("healthy", new Framing.Packet(4), "python3", "-u", worker("packet4.py"))
                .withHealth(new PoolHealth("PING", "PONG", Duration.ofMillis(200), Duration.ofSeconds(5), true));
        try (RunningPool p = RunningPool.start(spec)) {
            long pid = p.idlePids().iterator().next();
            RunningPool.during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(10)).until(() -> p.workerPids().equals(Set.of(pid)));
            try (Lease lease = p.checkout()) {
                assertThat(lease.pid()).isEqualTo(pid);
                assertThat(lease.requestText("olleh", DEADLINE)).isEqualTo("hello");
            }
        }
    }

    @Test
    void aMultiLineHealthRequestWorksOnAnUntilPoolAndIsRefusedOnALinePool() {
        Framing until = new Framing.Until("-- end --", ".print '-- end --'", Framing.DEFAULT_MAX);
        PoolSpec spec = pool("sql-health", until, "sqlite3", "-batch", dir.resolve("health.db").toString())
                .withHealth(new PoolHealth("select 1;\nselect 2;", "1\n2", Duration.ofMillis(200), Duration.ofSeconds(5), true));
        try (RunningPool p = RunningPool.start(spec)) {
            long pid = p.idlePids().iterator().next();
            // Checked every 200 ms and at checkout: a failing check would replace the worker.
            RunningPool.during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(10)).until(() -> p.workerPids().equals(Set.of(pid)));
            try (Lease lease = p.checkout()) {
                assertThat(lease.pid()).isEqualTo(pid);
                assertThat(lease.requestText("select 3;", DEADLINE)).isEqualTo("3");
            }
        }
        assertThatThrownBy(() -> RunningPool.cats("line-health", 1, 0).withHealth(PoolHealth.ping("a\nb", "x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pool line-health: the health request cannot be sent", "a line break");
    }

    @Test
    void aSurplusAnswerFrameGetsTheWorkerReplacedAtCheckin() {
        try (RunningPool p = RunningPool.start(pool("bin", new Framing.Packet(4), "python3", "-u", worker("packet4.py")))) {
            long pid;
            try (Lease lease = p.checkout()) {
                pid = lease.pid();
                assertThat(lease.requestText("surplus", DEADLINE)).isEqualTo("a");
            }
            p.awaitIdleWorkersOtherThan(1, Set.of(pid));
            try (Lease lease = p.checkout()) {
                assertThat(lease.requestText("cba", DEADLINE)).isEqualTo("abc"); // never the surplus "b"
            }
        }
    }

    @Test
    void anOversizedAnswerFrameIsRefusedOnItsLengthAndTheWorkerReplaced() {
        try (RunningPool p = RunningPool.start(pool("small", new Framing.Packet(4, 1000), "python3", "-u", worker("packet4.py")))) {
            Lease lease = p.checkout();
            long pid = lease.pid();
            assertThatThrownBy(() -> lease.requestText("huge", DEADLINE)).isInstanceOf(BadFrameException.class)
                    .hasMessage("pool small: worker " + pid + " wrote a bad answer frame (packet): packet 4 frame: length 10000000 is over max 1000"
                            + " at byte 0 of the frame; first bytes: \"\\0\\x98\\x96\\x80\"");
            assertThatThrownBy(() -> lease.requestText("cba", DEADLINE)).isInstanceOf(LeaseRevokedException.class);
            lease.close();
            p.awaitIdleWorkersOtherThan(1, Set.of(pid));
        }
    }

    @Test
    void aMalformedAnswerFrameEndsTheLeaseShowingItsFirstBytes() {
        try (RunningPool p = RunningPool.start(pool("lsp", new Framing.ContentLength(), "node", worker("jsonrpc.js")))) {
            long pid;
            try (Lease lease = p.checkout()) {
                pid = lease.pid();
                assertThatThrownBy(() -> lease.requestText("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"bad\"}", DEADLINE))
                        .isInstanceOf(BadFrameException.class)
                        .hasMessageStartingWith("pool lsp: worker " + pid + " wrote a bad answer frame (content_length): ")
                        .hasMessageContaining("a header line without ':'")
                        .hasMessageEndingWith("first bytes: \"Content-Length 5\\r\\n\"");
            }
            p.awaitIdleWorkersOtherThan(1, Set.of(pid));
        }
    }

    @Test
    void aWorkerThatDiesMidFrameIsReportedWithTheFrameSoFar() {
        try (RunningPool p = RunningPool.start(pool("bin", new Framing.Packet(4), "python3", "-u", worker("packet4.py")))) {
            long pid;
            try (Lease lease = p.checkout()) {
                pid = lease.pid();
                assertThatThrownBy(() -> lease.requestText("cut", DEADLINE)).isInstanceOf(WorkerDiedException.class)
                        .hasMessageContaining("worker " + pid)
                        // Usually the truncated frame is seen first; the pool may see the death first and revoke the lease.
                        .satisfies(e -> {
                            if (e instanceof BadFrameException) {
                                assertThat(e).hasMessageContaining("cut short by the end of the worker's output after 7 byte(s)")
                                        .hasMessageContaining("\\0\\0\\0\\nabc");
                            }
                        });
            }
            p.awaitIdleWorkersOtherThan(1, Set.of(pid));
        }
    }
}
