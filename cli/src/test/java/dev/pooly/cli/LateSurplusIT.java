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
    @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;

    @Test
    void aSurplusTheDaemonFindsBeforeTheConnectionClosesFailsTheCall() {
        try (DaemonProcess daemon = DaemonProcess.start(dir, """
                version: 1
                supervisor:
                  children:
                    - pool:
                        name: late
                        command: [sh, -c, 'while read n; do echo "$n"; i=0; while [ $i -lt "$n" ]; do i=$((i+1)); done; echo extra; done']
                        size: 3
                        max_restarts: 100000
                """)) {
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
}
