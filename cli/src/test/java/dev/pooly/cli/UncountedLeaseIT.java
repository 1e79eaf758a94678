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

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;

import static dev.pooly.cli.DaemonProcess.alive;
import static dev.pooly.cli.DaemonProcess.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 18 from outside: a bytes-mode lease (what {@code pooly checkout} uses) cannot have its
 * requests counted, so its worker never goes back to idle on trust, whatever {@code on_abandon} says.
 * Workers answer {@code ok:LINE}, after 2 s for lines holding {@code slow} (long enough that the
 * next caller's request always reaches the worker before the owed answer), and log each line they
 * read to a file: proof that the request reached the worker before its holder died.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UncountedLeaseIT {
    private static final Map<String, Integer> SIZES = Map.of("ret", 1, "proven", 1);

    private DaemonProcess daemon;
    private Path heard;

    @BeforeAll
    void startDaemon(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) {
        heard = dir.resolve("heard");
        String worker = "[sh, -c, 'while read -r l; do echo \"$l\" >> %s; case \"$l\" in PING) echo PONG; continue;; *slow*) sleep 2;; esac; echo \"ok:$l\"; done']"
                .formatted(heard);
        daemon = DaemonProcess.start(dir, """
                version: 1
                control: {socket: pooly.sock}
                logs: {dir: logs}
                supervisor:
                  max_restarts: 100
                  children:
                    - pool: {name: ret, command: %1$s, size: 1, on_abandon: return, max_restarts: 100}
                    - pool:
                        name: proven
                        command: %1$s
                        size: 1
                        on_abandon: return
                        max_restarts: 100
                        health: {request: PING, expect: PONG, every: 1h, timeout: 5s}
                """.formatted(worker));
    }

    @BeforeEach
    void everyPoolAtRest() {
        SIZES.forEach(daemon::awaitIdle);
    }

    @AfterAll
    void stopDaemon() {
        if (daemon != null) daemon.close();
    }

    private void awaitHeard(String line) {
        await().until(() -> Files.exists(heard) && Files.readAllLines(heard).contains(line));
    }

    /**
     * The reproduction: {@code pooly checkout ret}, a slow request, the checkout process
     * SIGKILLed once the worker has read it and before it answers, then {@code pooly call ret}: the
     * call must get its own answer, exit 0, and the dead holder's worker must be gone.
     */
    @ParameterizedTest(name = "pool {0}")
    @ValueSource(strings = {"ret", "proven"})
    void checkoutKilledBeforeItsSlowAnswerNeverHandsThatAnswerToTheNextCall(String pool) {
        long before = daemon.workerPids(pool).get(0);
        String slow = "slow-" + System.nanoTime();
        try (DaemonProcess.Client holder = daemon.start("checkout", pool)) {
            assertThat(holder.awaitLease()).isEqualTo(before);
            holder.send(slow + "\n");
            awaitHeard(slow);
            holder.kill();
        }

        String mine = "p-" + System.nanoTime();
        CliRun next = daemon.cli("call", pool, mine);

        assertThat(next.out()).as(next::toString).isEqualTo("ok:" + mine + "\n");
        assertThat(next.exit()).as(next::toString).isZero();
        daemon.awaitIdle(pool, 1);
        assertThat(daemon.workerPids(pool)).doesNotContain(before);
        await().untilAsserted(() -> assertThat(alive(before)).isFalse());
    }

    /** The same with a raw bytes-mode session whose client closes its connection after sending a request. */
    @Test
    void bytesSessionClosedAfterItsRequestNeverHandsItsAnswerToTheNextCall() {
        long before;
        String slow = "slow-raw-" + System.nanoTime();
        try (ProtocolClient client = ProtocolClient.lease(daemon.socket(), "ret", "mode", "bytes")) {
            before = client.pid();
            client.send(DaemonProcess.JSON.createObjectNode().put("data", base64(slow + "\n")));
            awaitHeard(slow);
        }

        CliRun next = daemon.cli("call", "ret", "after-raw");

        assertThat(next.out()).as(next::toString).isEqualTo("ok:after-raw\n");
        assertThat(next.exit()).as(next::toString).isZero();
        daemon.awaitIdle("ret", 1);
        assertThat(daemon.workerPids("ret")).doesNotContain(before);
    }

    /**
     * A bytes session that checks in while its worker still computes: the daemon relays output until
     * the worker has been silent 200 ms, which a slow worker is, so quiet at that instant is no proof.
     */
    @Test
    void bytesCheckinWhileTheWorkerStillComputesReplacesIt() {
        long before;
        String slow = "slow-checkin-" + System.nanoTime();
        try (ProtocolClient client = ProtocolClient.lease(daemon.socket(), "ret", "mode", "bytes")) {
            before = client.pid();
            client.send(DaemonProcess.JSON.createObjectNode().put("data", base64(slow + "\n")));
            awaitHeard(slow);
            client.op("checkin");
            JsonNode end = client.receive();
            assertThat(end.path("checked_in").asBoolean()).as(end.toString()).isTrue();
        }

        CliRun next = daemon.cli("call", "ret", "after-checkin");

        assertThat(next.out()).as(next::toString).isEqualTo("ok:after-checkin\n");
        daemon.awaitIdle("ret", 1);
        assertThat(daemon.workerPids("ret")).doesNotContain(before);
    }

    /** With a health request, a bytes exchange read to its end is proven quiet at checkin: the worker stays. */
    @Test
    void bytesExchangeReadToItsEndKeepsAWorkerTheHealthRequestProvesQuiet() {
        long before;
        try (ProtocolClient client = ProtocolClient.lease(daemon.socket(), "proven", "mode", "bytes")) {
            before = client.pid();
            client.send(DaemonProcess.JSON.createObjectNode().put("data", base64("quick\n")));
            StringBuilder got = new StringBuilder();
            while (!got.toString().endsWith("\n")) {
                JsonNode data = client.receive();
                assertThat(data.has("data")).as(data.toString()).isTrue();
                got.append(new String(Base64.getDecoder().decode(data.get("data").asText()), StandardCharsets.UTF_8));
            }
            assertThat(got).hasToString("ok:quick\n");
            client.op("checkin");
            assertThat(client.receive().path("checked_in").asBoolean()).isTrue();
        }

        daemon.awaitIdle("proven", 1);
        assertThat(daemon.workerPids("proven")).containsExactly(before);
        CliRun next = daemon.cli("call", "proven", "next");
        assertThat(next.out()).as(next::toString).isEqualTo("ok:next\n");
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
