package dev.pooly.testcontainers;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The talk's demo, on the real daemon in a container: crash each level of the tree (a worker, a
 * worker supervisor, a pool, the pools supervisor) and watch the tree heal, restarting what the
 * strategy says and nothing else. Each test starts from a healed tree, so they run in any order.
 */
@ExtendWith(DockerRequired.class)
@Testcontainers
class SupervisionTreeIT {
    private static final Duration HEAL = Duration.ofSeconds(90);

    @Container
    static final PoolyContainer pooly = TestPooly.container("tree.yaml");

    private PoolyStatus before;

    @BeforeEach
    void healthyTree() {
        before = await().atMost(HEAL).until(pooly::status, SupervisionTreeIT::healthy);
    }

    @Test
    void workerKilledInsideTheContainerIsReplaced() throws Exception {
        long victim = before.pool("upper").pids().getFirst();

        assertThat(pooly.execInContainer("kill", "-KILL", Long.toString(victim)).getExitCode()).isZero();

        PoolyStatus after = healed(s -> !s.pool("upper").pids().contains(victim));
        assertThat(after.pool("upper").pids()).hasSize(2).contains(before.pool("upper").pids().get(1));
        assertThat(pooly.call("upper", "replaced")).isEqualTo("REPLACED");
    }

    @Test
    void killingAWorkerRestartsOnlyThatWorker() {
        PoolyStatus.Node worker = before.node("upper.workers").children().getFirst();
        assertThat(worker.id()).startsWith("upper-");

        pooly.kill(worker.id());

        PoolyStatus after = healed(s -> !s.pool("upper").pids().contains(worker.pid()));
        List<Long> siblings = before.pool("upper").pids().stream().filter(pid -> pid != worker.pid()).toList();
        assertThat(after.pool("upper").pids()).hasSize(2).containsAll(siblings);
        assertThat(after.node("upper.workers").restarts()).isEqualTo(before.node("upper.workers").restarts());
        assertUntouched(after, "chuck");
        assertThat(pooly.call("upper", "worker")).isEqualTo("WORKER");
    }

    @Test
    void killingAWorkerSupervisorRestartsAllItsWorkers() {
        pooly.kill("upper.workers");

        PoolyStatus after = healed(s -> s.node("upper.workers").restarts() > before.node("upper.workers").restarts());
        assertThat(after.node("upper.workers").restarts()).isEqualTo(before.node("upper.workers").restarts() + 1);
        assertThat(after.pool("upper").pids()).hasSize(2).doesNotContainAnyElementsOf(before.pool("upper").pids());
        assertUntouched(after, "chuck");
        assertThat(pooly.call("upper", "workers")).isEqualTo("WORKERS");
    }

    @Test
    void killingAPoolRestartsItAndLeavesItsSiblingPoolAlone() {
        pooly.kill("upper");

        PoolyStatus after = healed(s -> s.node("upper").restarts() > before.node("upper").restarts());
        assertThat(after.node("upper").restarts()).isEqualTo(before.node("upper").restarts() + 1);
        assertThat(after.pool("upper").pids()).hasSize(2).doesNotContainAnyElementsOf(before.pool("upper").pids());
        assertUntouched(after, "chuck");
        assertThat(pooly.call("upper", "pool")).isEqualTo("POOL");
    }

    @Test
    void killingThePoolsSupervisorRestartsEveryPoolButNotTheProcessBesideIt() {
        pooly.kill("pools");

        PoolyStatus after = healed(s -> s.node("pools").restarts() > before.node("pools").restarts());
        assertThat(after.node("pools").restarts()).isEqualTo(before.node("pools").restarts() + 1);
        assertThat(after.pool("upper").pids()).doesNotContainAnyElementsOf(before.pool("upper").pids());
        assertThat(after.pool("chuck").pids()).doesNotContainAnyElementsOf(before.pool("chuck").pids());
        assertThat(after.node("clock").pid()).isEqualTo(before.node("clock").pid());
        assertThat(after.tree().restarts()).isEqualTo(before.tree().restarts());
        assertThat(pooly.call("upper", "pools")).isEqualTo("POOLS");
    }

    /** Every node running, every pool at its size with all workers idle. */
    private static boolean healthy(PoolyStatus s) {
        return s.tree().stream().allMatch(n -> n.state().equals("running"))
                && s.pools().stream().allMatch(p -> p.idle() == p.size() && p.workers().size() == p.size());
    }

    private static PoolyStatus healed(java.util.function.Predicate<PoolyStatus> change) {
        return await().atMost(HEAL).until(pooly::status, s -> change.test(s) && healthy(s));
    }

    /** What the crash must not have reached: the sibling pool's worker and the process beside the pools. */
    private void assertUntouched(PoolyStatus after, String siblingPool) {
        assertThat(after.pool(siblingPool).pids()).isEqualTo(before.pool(siblingPool).pids());
        assertThat(after.node("clock").pid()).isEqualTo(before.node("clock").pid());
    }
}
