package dev.pooly.testcontainers;

import com.github.dockerjava.api.DockerClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.utility.MountableFile;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code docker stop} (SIGTERM) stops the daemon cleanly: every child in reverse order, its whole
 * process tree, then exit 0, well before docker would resort to SIGKILL.
 */
@ExtendWith(DockerRequired.class)
class GracefulStopIT {
    /** docker stop's grace period; a daemon that needed it all would be SIGKILLed (exit 137). */
    private static final int GRACE_SECONDS = 60;

    @Test
    void dockerStopEndsTheDaemonWithExitStatusZero() {
        try (PoolyContainer pooly = TestPooly.container("stop.yaml")) {
            pooly.start();
            awaitWorkersIdle(pooly);

            long exitCode = dockerStop(pooly);

            assertThat(exitCode).isZero();
            assertThat(pooly.getLogs()).contains("SIGTERM: stopping all children in reverse order").containsPattern("(?m) stopped$");
        }
    }

    /*
     * We test "no child left" by putting a shell between docker and the daemon (watch.sh): it
     * passes SIGTERM on, and once the daemon has exited it lists every process still alive in the
     * container. The clock process traps SIGTERM to leave a note, and keeps a `sleep` child that
     * only a stop of its whole process tree ends.
     */
    @Test
    void dockerStopStopsEveryChildInReverseOrderAndLeavesNoProcessBehind() {
        try (PoolyContainer pooly = TestPooly.container("stop.yaml")
                .withCopyToContainer(MountableFile.forClasspathResource("dev/pooly/testcontainers/watch.sh", 0755), "/pooly/watch.sh")
                .withCommand("sh", "/pooly/watch.sh")) {
            pooly.start();
            awaitWorkersIdle(pooly);
            long clockPid = pooly.status().node("clock").pid();

            long exitCode = dockerStop(pooly);

            String logs = pooly.getLogs();
            assertThat(exitCode).isZero();
            assertThat(logs).contains("watch: daemon exited 0; survivors: none");
            assertThat(logs).contains("clock got SIGTERM");
            int poolStopped = logs.indexOf("root/upper: stopped by its supervisor");
            int clockStopped = logs.indexOf("root/clock: pid " + clockPid + " stopped by its supervisor");
            assertThat(poolStopped).as("the pool's stop in the logs").isPositive();
            assertThat(clockStopped).as("the pool, listed after the clock, stops before it").isGreaterThan(poolStopped);
        }
    }

    private static void awaitWorkersIdle(PoolyContainer pooly) {
        await().atMost(Duration.ofSeconds(90)).until(() -> pooly.status().pool("upper").idle() == 2);
    }

    /** {@code docker stop}, which waits for the container to exit; its exit status. */
    private static long dockerStop(PoolyContainer pooly) {
        DockerClient docker = pooly.getDockerClient();
        long started = System.nanoTime();
        docker.stopContainerCmd(pooly.getContainerId()).withTimeout(GRACE_SECONDS).exec();
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(took).as("time to stop").isLessThan(Duration.ofSeconds(GRACE_SECONDS));
        return docker.inspectContainerCmd(pooly.getContainerId()).exec().getState().getExitCodeLong();
    }
}
