package dev.pooly.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.pooly.cli.DaemonProcess.alive;
import static dev.pooly.cli.DaemonProcess.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract's lease guarantees (section 4), from outside: a real daemon, the real CLI, and a raw
 * client of docs/protocol.md over the real Unix socket. Workers: {@code cat}; {@code mute}, which
 * reads and never answers; {@code twice}, which answers every line twice.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LeaseIntegrityIT {
    private static final Map<String, Integer> SIZES = Map.of("echo", 1, "mute", 1, "twice", 1, "kept", 1);

    private DaemonProcess daemon;
    /** Every line a {@code mute} worker read, one per line: proof that a request reached it. */
    private Path heard;

    @BeforeAll
    void startDaemon(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) {
        heard = dir.resolve("heard");
        daemon = DaemonProcess.start(dir, """
                version: 1
                control: {socket: pooly.sock}
                logs: {dir: logs}
                supervisor:
                  max_restarts: 100
                  children:
                    - pool: {name: echo, command: [cat], size: 1, max_restarts: 100}
                    - pool: {name: mute, command: [sh, -c, 'while read l; do echo "$l" >> %s; done'], size: 1, max_restarts: 100}
                    - pool: {name: twice, command: [sh, -c, 'while read l; do echo "$l"; echo "$l"; done'], size: 1, max_restarts: 100}
                    - pool: {name: kept, command: [cat], size: 1, on_abandon: return, max_restarts: 100}
                """.formatted(heard));
    }

    @BeforeEach
    void everyPoolAtRest() {
        SIZES.forEach(daemon::awaitIdle);
    }

    @AfterAll
    void stopDaemon() {
        if (daemon != null) daemon.close();
    }

    // ---- finding 1: framing ----

    /**
     * We test this by sending, as any protocol client may, a {@code line} holding a line break: the
     * daemon refuses it with code 64 and ends the session, the worker never sees it, and the next
     * holder of the same worker gets the answer to its own request.
     */
    @ParameterizedTest(name = "line break {0}")
    @ValueSource(strings = {"\n", "\r", "\r\n"})
    void lineHoldingALineBreakIsRefusedWith64AndReachesNoWorker(String lineBreak) {
        long pid;
        try (ProtocolClient first = ProtocolClient.lease(daemon.socket(), "echo")) {
            pid = first.pid();
            first.line("first" + lineBreak + "SMUGGLED");

            JsonNode refusal = first.receive();

            assertThat(refusal.path("ok").asBoolean(true)).as(refusal.toString()).isFalse();
            assertThat(refusal.path("code").asInt()).as(refusal.toString()).isEqualTo(ExitCode.USAGE);
            assertThat(refusal.path("error").asText()).contains("line break");
            assertThat(first.receive()).as("the session ends after the refusal").isNull();
        }
        daemon.awaitIdle("echo", 1);
        try (ProtocolClient second = ProtocolClient.lease(daemon.socket(), "echo")) {
            assertThat(second.pid()).as("the worker did nothing wrong: it is kept").isEqualTo(pid);
            second.line("second");
            assertThat(second.receive().path("line").asText()).isEqualTo("second");
            second.op("checkin");
            assertThat(second.receive().path("checked_in").asBoolean()).isTrue();
        }
        CliRun third = daemon.cli("call", "echo", "third");
        assertThat(third.out()).as(third::toString).isEqualTo("third\n");
    }

    // ---- finding 2: a client that dies after its last request ----

    /**
     * We test this with a raw client that sends a request and {@code checkin} and then closes its
     * connection, as a {@code pooly call} SIGKILLed while its worker thinks: the daemon, which waits
     * for the answer, must still see the client go and replace the worker.
     */
    @Test
    void clientGoneAfterCheckinWithARequestOutstandingGetsItsWorkerReplaced() {
        long before;
        try (ProtocolClient client = ProtocolClient.lease(daemon.socket(), "mute")) {
            before = client.pid();
            client.line("y");
            client.op("checkin");
        }

        daemon.awaitIdle("mute", 1);
        assertThat(daemon.workerPids("mute")).doesNotContain(before);
        await().untilAsserted(() -> assertThat(alive(before)).isFalse());
    }

    /**
     * The issue's own reproduction: {@code pooly call mute y}, SIGKILLed while the worker has not
     * answered. We kill it once the worker has read {@code y}: {@code call} sends its checkin in the
     * same write as its last line, and the daemon flushes the line to the worker only when it has
     * read on, so by then the daemon is waiting for the answer after the checkin.
     */
    @Test
    void killedCallClientDoesNotLeakItsWorker() throws Exception {
        long before = daemon.workerPids("mute").get(0);
        String request = "y-" + System.nanoTime();
        DaemonProcess.Client call = daemon.start("call", "mute", request);
        await().until(() -> Files.exists(heard) && Files.readAllLines(heard).contains(request));

        call.kill();

        daemon.awaitIdle("mute", 1);
        assertThat(daemon.workerPids("mute")).doesNotContain(before);
        await().untilAsserted(() -> assertThat(alive(before)).isFalse());
    }

    /** With no request outstanding, a vanished client's worker follows on_abandon: {@code return} keeps it. */
    @Test
    void clientGoneWithNothingOutstandingFollowsOnAbandon() {
        long before;
        try (ProtocolClient client = ProtocolClient.lease(daemon.socket(), "kept")) {
            before = client.pid();
            client.line("answered");
            assertThat(client.receive().path("line").asText()).isEqualTo("answered");
        }

        daemon.awaitIdle("kept", 1);
        assertThat(daemon.workerPids("kept")).containsExactly(before);
        CliRun next = daemon.cli("call", "kept", "next");
        assertThat(next.out()).as(next::toString).isEqualTo("next\n");
    }

    // ---- finding 3b: a worker that answers what nobody asked ----

    /**
     * We test this with the reproduction, {@code seq 3 | pooly call twice}: the worker's
     * surplus lines must not reach the next caller. The call fails (exit 1) naming the surplus, and
     * the worker is replaced.
     */
    @Test
    void workerAnsweringTwiceIsReplacedAndItsExtraLinesReachNoOtherCaller() {
        long before = daemon.workerPids("twice").get(0);

        CliRun multi = daemon.cliWithInput("1\n2\n3\n", "call", "twice");
        CliRun next = daemon.cli("call", "twice", "mine");

        assertThat(multi.exit()).as(multi::toString).isEqualTo(ExitCode.FAILURE);
        assertThat(multi.err()).contains(Long.toString(before)).contains("nobody asked");
        assertThat(next.out()).as(next::toString).startsWith("mine\n");
        daemon.awaitIdle("twice", 1);
        assertThat(daemon.workerPids("twice")).doesNotContain(before);
    }

    /**
     * We test this by holding a lease after the worker's first answer: its second, unasked line ends
     * the session with code 1 at once, without waiting for the client's checkin.
     */
    @Test
    void unaskedOutputEndsTheLeaseWithCode1AndTheWorkerIsReplaced() {
        long before;
        try (ProtocolClient client = ProtocolClient.lease(daemon.socket(), "twice")) {
            before = client.pid();
            client.line("once");
            assertThat(client.receive().path("line").asText()).isEqualTo("once");

            JsonNode violation = client.receive();

            assertThat(violation.path("ok").asBoolean(true)).as(violation.toString()).isFalse();
            assertThat(violation.path("code").asInt()).isEqualTo(ExitCode.FAILURE);
            assertThat(violation.path("error").asText()).contains(Long.toString(before)).contains("nobody asked");
            assertThat(client.receive()).isNull();
        }
        daemon.awaitIdle("twice", 1);
        assertThat(daemon.workerPids("twice")).doesNotContain(before);
    }

    // ---- request timeout (contract section 4) ----

    @Test
    void unansweredRequestPastRequestTimeoutKillsAndReplacesTheWorkerAndExits75() {
        long before = daemon.workerPids("mute").get(0);

        CliRun run = daemon.cli("call", "mute", "--request-timeout", "300ms", "y");

        assertThat(run.exit()).as(run::toString).isEqualTo(ExitCode.TEMPORARY_FAILURE);
        assertThat(run.err()).contains("request timeout").contains("300ms").contains(Long.toString(before));
        daemon.awaitIdle("mute", 1);
        assertThat(daemon.workerPids("mute")).doesNotContain(before);
        await().untilAsserted(() -> assertThat(alive(before)).isFalse());
    }

    @Test
    void answeredRequestsWithinRequestTimeoutKeepTheWorker() {
        long before = daemon.workerPids("echo").get(0);

        CliRun run = daemon.cliWithInput("a\nb\nc\n", "call", "echo", "--request-timeout", "10s");

        assertThat(run.exit()).as(run::toString).isZero();
        assertThat(run.out()).isEqualTo("a\nb\nc\n");
        daemon.awaitIdle("echo", 1);
        assertThat(daemon.workerPids("echo")).containsExactly(before);
    }
}
