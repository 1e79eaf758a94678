package dev.pooly.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A surplus line the daemon learns of before a call's connection closes fails that call (code 1).
 * We test this with a worker that writes every answer and then a surplus line in a second write,
 * after spinning as many rounds as the request says (0 to 149: from microseconds to about a
 * millisecond): across the sessions the surplus lands before, during and after the daemon's last
 * looks at checkin. The daemon once confirmed the checkin ({@code checked_in: true}, so {@code pooly call}
 * exited 0) and only then looked again, itself and in the pool's checkin, finding the surplus with
 * the client already told all was well: the surplus showed only in the daemon's log. Every session
 * whose worker the daemon found not quiet before hanging up must have been answered with code 1;
 * only a surplus found after the hang-up (when the pool next lends the worker) may follow an ok.
 */
class LateSurplusIT {
    /** A pool whose worker answers a number n, spins n rounds, then writes a surplus line. */
    private static final String LATE = """
            supervisor:
              children:
                - pool:
                    name: late
                    command: [sh, -c, 'while read n; do echo "$n"; i=0; while [ $i -lt "$n" ]; do i=$((i+1)); done; echo extra; done']
                    size: 3
                    max_restarts: 100000
            """;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;

    @Test
    void aSurplusTheDaemonFindsBeforeTheConnectionClosesFailsTheCall() {
        try (DaemonProcess daemon = DaemonProcess.start(dir, "version: 1\n" + LATE)) {
            daemon.awaitIdle("late", 3);
            List<String> confirmedButFound = new ArrayList<>();
            int confirmed = 0;
            int failed = 0;
            // Request i makes the worker spin i % 150 rounds between its answer and the surplus.
            for (int i = 0; i < 300; i++) {
                int logFrom = daemon.log().length();
                long pid;
                boolean ok;
                try (ProtocolClient client = ProtocolClient.lease(daemon.socket(), "late")) {
                    // The request and the checkin in one write, as `pooly call x` sends them: the daemon has the
                    // checkin when the answer comes, and looks for a surplus at once.
                    client.sendTogether(DaemonProcess.JSON.createObjectNode().put("line", Integer.toString(i % 150)),
                            DaemonProcess.JSON.createObjectNode().put("op", "checkin"));
                    JsonNode end = client.receive();
                    while (end != null && end.has("line")) end = client.receive();
                    assertThat(end).as("session %d ended without a word", i).isNotNull();
                    pid = client.pid();
                    ok = end.path("ok").asBoolean();
                    if (ok) {
                        assertThat(end.path("checked_in").asBoolean()).as("%s", end).isTrue();
                        confirmed++;
                    } else {
                        assertThat(end.path("code").asInt()).as("%s", end).isEqualTo(1);
                        // Found by the daemon's own look, or by the pool's at checkin: either way code 1, naming it.
                        assertThat(end.path("error").asText()).containsAnyOf("wrote output nobody asked for", "was not quiet at checkin");
                        failed++;
                    }
                    // Read to the hang-up: whatever the daemon found before it is in its log now (written synchronously).
                    while (client.receive() != null) { }
                }
                String during = daemon.log().substring(logFrom);
                if (ok && (during.contains("worker " + pid + " not quiet at checkin")
                        || during.contains("worker " + pid + " wrote output nobody asked for ("))) {
                    confirmedButFound.add("session " + i + ", worker " + pid);
                }
            }
            assertThat(confirmedButFound).as("sessions told checked_in although the daemon found their surplus before hanging up"
                    + " (%d of 300 failed with code 1, %d confirmed)", failed, confirmed).isEmpty();
            assertThat(failed).as("the worker always writes a surplus line").isPositive();
        }
    }

    /**
     * The same over HTTP, one call per request and one NDJSON stream per request: the single call once
     * closed its lease and sent 200 whatever the pool's look at checkin found. One client calls at a
     * time, so a "not quiet at checkin" the daemon logs while a call is open is that call's worker.
     */
    @Test
    void aSurplusTheDaemonFindsBeforeAnHttpCallIsAnsweredFailsIt() throws Exception {
        try (DaemonProcess daemon = DaemonProcess.start(dir, "version: 1\nhttp: {socket: pooly-http.sock}\n" + LATE)) {
            daemon.awaitIdle("late", 3);
            List<String> answeredButFound = new ArrayList<>();
            int failed = 0;
            for (int i = 0; i < 200; i++) {
                boolean stream = i % 2 == 1;
                String n = Integer.toString(i % 150);
                int logFrom = daemon.log().length();
                String reply = stream
                        ? curl("-H", "Content-Type: application/x-ndjson", "--data-binary", "{\"frame\":\"" + n + "\"}\n",
                                "http://localhost/v1/pools/late/call")
                        : curl("--data-binary", n, "http://localhost/v1/pools/late/call");
                String during = daemon.log().substring(logFrom);
                boolean found = during.contains("not quiet at checkin");
                boolean refused = stream ? reply.contains("\"code\":1") : reply.startsWith("502 ");
                if (refused) {
                    assertThat(reply).as("call %d", i).contains("was not quiet at checkin", "may be shifted");
                    failed++;
                } else {
                    assertThat(reply).as("call %d", i).startsWith("200 ");
                    if (found) answeredButFound.add("call " + i + (stream ? " (stream): " : ": ") + reply);
                }
            }
            assertThat(answeredButFound).as("HTTP calls answered as if all was well although the daemon found a surplus"
                    + " at their checkin before answering (%d of 200 refused)", failed).isEmpty();
            assertThat(failed).as("the worker always writes a surplus line").isPositive();
        }
    }

    private String curl(String... args) throws Exception {
        return Curl.call(dir, args);
    }
}
