package dev.pooly.testcontainers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.utility.MountableFile;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Inside the image there is no usable cgroup, so the daemon falls back to session tracking and says
 * so in its status; even then a descendant that called {@code setsid()} (it has left its parent's
 * process group and session) dies when its process or pool worker is stopped and when the daemon
 * shuts down. What session tracking cannot promise (a double-forked descendant, anything on a
 * SIGKILL of the daemon) is written in docs/performance.md, not tested here.
 */
@ExtendWith(DockerRequired.class)
class ContainmentIT {

    @Test
    void withoutCgroupsTheStatusSaysSessionTracking() throws Exception {
        try (PoolyContainer pooly = TestPooly.container("escape.yaml")) {
            pooly.start();
            assertThat(pooly.status().json().path("containment").asText()).isEqualTo("session-tracking");
        }
    }

    @Test
    void setsidDescendantsOfAProcessAndOfAPoolWorkerDieOnStopAndOnShutdown() throws Exception {
        // watch.sh (as in GracefulStopIT) lists every process left in the container once the daemon has
        // exited: the shutdown's proof, since the container ends with the daemon.
        try (PoolyContainer pooly = TestPooly.container("escape.yaml")
                .withCopyToContainer(MountableFile.forClasspathResource("dev/pooly/testcontainers/watch.sh", 0755), "/pooly/watch.sh")
                .withCommand("sh", "/pooly/watch.sh")) {
            pooly.start();
            awaitAlive(pooly, "sleep 1001", true);
            awaitAlive(pooly, "sleep 1003", true);

            pooly.stopChild("escaper");
            awaitAlive(pooly, "sleep 1001", false);

            pooly.stopChild("escapers");
            awaitAlive(pooly, "sleep 1003", false);

            pooly.startChild("escaper");
            pooly.startChild("escapers");
            awaitAlive(pooly, "sleep 1001", true);
            awaitAlive(pooly, "sleep 1003", true);

            pooly.shutdown();
            await().atMost(Duration.ofSeconds(30)).until(() -> pooly.getLogs().contains("watch: daemon exited"));
            assertThat(pooly.getLogs()).contains("watch: daemon exited 0; survivors: none");
        }
    }

    /** Waits until a process whose command line is {@code command} is (not) running in the container. */
    private static void awaitAlive(PoolyContainer pooly, String command, boolean alive) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> running(pooly, command) == alive);
    }

    private static boolean running(PoolyContainer pooly, String command) throws Exception {
        // No ps, tr or cut in the image: read /proc with sh and cat. A command substitution drops the
        // NULs between cmdline's arguments ("sleep 1001" reads "sleep1001"). Zombies (state Z) do not count.
        String joined = command.replace(" ", "");
        String script = "for d in /proc/[0-9]*; do c=$(cat $d/cmdline 2>/dev/null); "
                + "read -r st < $d/stat 2>/dev/null || continue; set -- $st; "
                + "[ \"$c\" = '" + joined + "' ] && [ \"$3\" != Z ] && echo hit; done; true";
        return pooly.execInContainer("sh", "-c", script).getStdout().contains("hit");
    }
}
