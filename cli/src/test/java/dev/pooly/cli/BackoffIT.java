package dev.pooly.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.pooly.cli.DaemonProcess.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Restart backoff as an operator sees it: {@code restarting} with {@code next_restart_ms}, and a countdown in the table. */
class BackoffIT {

    @Test
    void aCrashLoopingProcessShowsRestartingWithACountdown(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) {
        try (DaemonProcess daemon = DaemonProcess.start(dir, """
                version: 1
                supervisor:
                  max_restarts: 1000
                  max_seconds: 10
                  children:
                    - process: {id: steady, command: [sleep, "100000"]}
                    - process:
                        id: loop
                        command: ["false"]
                        backoff: {min: 2s, max: 20s, jitter: 0}
                """)) {
            await().untilAsserted(() -> {
                JsonNode loop = DaemonProcess.nodes(daemon.status().get("tree")).stream()
                        .filter(n -> n.get("id").asText().equals("loop")).findFirst().orElseThrow();
                assertThat(loop.get("state").asText()).isEqualTo("restarting");
                assertThat(loop.path("next_restart_ms").asLong()).isBetween(1L, 20_000L);
                assertThat(loop.get("last_error").asText()).contains("exited with status 1");
            });
            await().untilAsserted(() -> assertThat(daemon.cli("status").out())
                    .containsPattern("(?m)^└─ loop\\s+process\\s+restarting\\s+(restarts \\d+ )?in \\d+\\.\\ds"));
        }
    }
}
