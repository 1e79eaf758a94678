package dev.pooly.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A line on the control socket that is not JSON gets 64 saying what was expected and where the line
 * went wrong; it once answered with the parser's internals ("Source: REDACTED (`StreamReadFeature...`)").
 */
class NotJsonRequestIT {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;

    @Test
    void aRequestThatIsNotJsonIsRefusedSayingWhatWasExpected() {
        try (DaemonProcess daemon = DaemonProcess.start(dir, """
                version: 1
                supervisor:
                  children:
                    - pool: {name: upper, command: [cat], size: 1}
                """)) {
            try (ProtocolClient client = ProtocolClient.connect(daemon.socket())) {
                client.sendRaw("status please");
                JsonNode reply = client.receive();
                assertThat(reply.path("code").asInt()).as("%s", reply).isEqualTo(64);
                assertThat(reply.path("error").asText())
                        .startsWith("not a JSON request line: expected one JSON object per line, such as {\"op\":\"status\"}")
                        .contains("Unrecognized token 'status'", "(column ")
                        .doesNotContain("Source:", "REDACTED", "StreamReadFeature");
            }
            daemon.awaitIdle("upper", 1);
            try (ProtocolClient lease = ProtocolClient.lease(daemon.socket(), "upper")) {
                lease.sendRaw("{\"line\": oops}");
                JsonNode reply = lease.receive();
                assertThat(reply.path("code").asInt()).as("%s", reply).isEqualTo(64);
                assertThat(reply.path("error").asText()).contains("not a JSON message: expected one JSON object per line")
                        .doesNotContain("Source:", "REDACTED", "StreamReadFeature");
            }
        }
    }
}
