package dev.pooly.supervisor.internal;

import dev.pooly.supervisor.Intensity;
import dev.pooly.supervisor.ProcessChild;
import dev.pooly.supervisor.ProcessSpec;
import dev.pooly.supervisor.Shutdown;
import dev.pooly.supervisor.Stdio;
import dev.pooly.supervisor.SupervisionTree;
import dev.pooly.supervisor.Supervisor;
import dev.pooly.supervisor.SupervisorSpec;
import dev.pooly.testing.Waits;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An incarnation's cgroup, once empty, is kept for the next incarnation of its kind (so a restart
 * skips the mkdir), one per kind, and removed with its supervisor: nothing of Pooly's is left in the
 * cgroup tree after a supervisor ends. Only where cgroups are in force.
 */
class SpareCgroupTest {

    @Test
    void aNewWorkerTakesTheEmptiedCgroupOfTheLastAndTheSupervisorsEndRemovesIt() throws Exception {
        assumeTrue(Containment.mode() == Containment.Mode.CGROUP, "cgroup containment is not in force here");
        Supervisor sup = SupervisionTree.start(SupervisorSpec.dynamic("spares", Intensity.of(10, Duration.ofSeconds(10)),
                ProcessSpec.of("w", "cat").withStdio(Stdio.CHANNEL).withShutdown(Shutdown.brutalKill())));
        Path supervisorDir = Containment.daemonGroup().orElseThrow().resolve("s.spares");
        try {
            ProcessChild first = sup.startChild().get(10, TimeUnit.SECONDS);
            Path firstGroup = cgroupOf(first.pid());
            Containment.Group retired = ((RunningProcess) first).cgroup();
            assertThat(firstGroup.getParent()).isEqualTo(supervisorDir);

            sup.stopChild(first.id()).get(10, TimeUnit.SECONDS);
            Waits.await().until(() -> Containment.spare("spares", "w"), s -> s.isPresent());
            assertThat(Containment.spare("spares", "w")).contains(firstGroup);

            ProcessChild second = sup.startChild().get(10, TimeUnit.SECONDS);
            assertThat(cgroupOf(second.pid())).as("the second worker's cgroup").isEqualTo(firstGroup);
            assertThat(Containment.spare("spares", "w")).as("a spare is used once").isEmpty();
            // A late kill through the first incarnation's cgroup must not reach the second one in it.
            retired.kill();
            Waits.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(second::isAlive);

            ProcessChild third = sup.startChild().get(10, TimeUnit.SECONDS);
            assertThat(cgroupOf(third.pid())).as("a worker started while the spare is in use gets a cgroup of its own")
                    .isNotEqualTo(firstGroup).hasParent(supervisorDir);

            sup.stopChild(second.id()).get(10, TimeUnit.SECONDS);
            sup.stopChild(third.id()).get(10, TimeUnit.SECONDS);
            // Both emptied; one becomes the spare and the other is removed: one per kind.
            Waits.await().until(() -> subdirectories(supervisorDir) == 1 && Containment.spare("spares", "w").isPresent());
        } finally {
            sup.shutdown().get(10, TimeUnit.SECONDS);
        }
        Waits.await().until(() -> !Files.exists(supervisorDir));
        assertThat(Containment.spare("spares", "w")).isEmpty();
    }

    /** The cgroup v2 directory of {@code pid}, from /proc/PID/cgroup. */
    private static Path cgroupOf(long pid) throws Exception {
        Path daemon = Containment.daemonGroup().orElseThrow();
        String own = Files.readAllLines(Path.of("/proc/self/cgroup")).stream().filter(l -> l.startsWith("0::")).findFirst().orElseThrow().substring(3);
        // The JVM is in DAEMON/daemon: the mount point is what precedes its own cgroup path.
        String jvmDir = daemon.resolve("daemon").toString();
        Path root = Path.of(jvmDir.substring(0, jvmDir.length() - own.length()));
        String line = Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup")).stream().filter(l -> l.startsWith("0::")).findFirst().orElseThrow();
        return Path.of(root + line.substring(3));
    }

    private static long subdirectories(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.filter(Files::isDirectory).count();
        }
    }
}
