package dev.pooly.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.pooly.cli.DaemonProcess.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A reload puts a scaled pool's file size back wherever the pool sits in the tree. A pool under a
 * nested supervisor whose subtree the file leaves alone once kept its scaled size, and the reload
 * said "nothing changed" (the unchanged subtree reads as one kept supervisor, which hid the pool).
 */
class ScaleReloadIT {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;

    @Test
    void aReloadPutsTheFilesSizeBackForAPoolUnderANestedSupervisorToo() {
        try (DaemonProcess daemon = DaemonProcess.start(dir, """
                version: 1
                supervisor:
                  children:
                    - pool: {name: top, command: [cat], size: 1}
                    - supervisor:
                        id: backend
                        children:
                          - pool: {name: inner, command: [cat], size: 2, max_overflow: 1}
                """)) {
            daemon.awaitIdle("inner", 2);
            daemon.awaitIdle("top", 1);
            CliRun scale = daemon.cli("scale", "inner", "4", "--max-overflow", "0");
            assertThat(scale.exit()).as("%s", scale).isZero();
            assertThat(daemon.cli("scale", "top", "2").exit()).isZero();
            daemon.awaitIdle("inner", 4);
            daemon.awaitIdle("top", 2);

            CliRun reload = daemon.cli("reload");

            assertThat(reload.exit()).as("%s", reload).isZero();
            assertThat(reload.out()).doesNotContain("nothing changed").contains("changed:   top, inner");
            await().untilAsserted(() -> {
                assertThat(daemon.pool("inner").get("size").asInt()).isEqualTo(2);
                assertThat(daemon.pool("inner").get("max_overflow").asInt()).isEqualTo(1);
                assertThat(daemon.pool("inner").get("workers")).hasSize(2);
                assertThat(daemon.pool("top").get("workers")).hasSize(1);
            });
            // Put back once: the next reload has nothing to do.
            assertThat(daemon.cli("reload").out()).contains("nothing changed");
        }
    }
}
