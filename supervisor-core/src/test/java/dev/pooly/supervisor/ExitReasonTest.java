package dev.pooly.supervisor;

import org.junit.jupiter.api.Test;

import static dev.pooly.supervisor.Children.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Every exit carries a reason, in its event and as {@code lastExit} in status. */
class ExitReasonTest {

    @Test
    void aNormalExitACrashAKillFromOutsideAPoolyKillAndAStopEachNameTheirReason() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, LENIENT,
                shell("normal", "sleep 0.3").withRestart(RestartType.TRANSIENT),
                sleeper("crashes").withBackoff(Backoff.NONE),
                sleeper("outside").withBackoff(Backoff.NONE), sleeper("killed").withBackoff(Backoff.NONE), sleeper("stopped")))) {
            assertThat(tree.node("crashes").lastExit()).as("before any exit").isNull();

            // A transient process that exits 0 ended normally: not restarted (it was once a crash).
            tree.awaitState("normal", NodeStatus.State.STOPPED);
            long crashed = tree.pid("crashes");
            ProcessHandle.of(crashed).orElseThrow().destroy(); // SIGTERM from outside: a death by a signal not SIGKILL, a crash
            tree.awaitReplaced("crashes", crashed);
            long outside = tree.pid("outside");
            tree.sigkill(outside); // an operator's kill -9: killed, as for a pool worker (it was once a crash)
            tree.awaitReplaced("outside", outside);
            long killed = tree.pid("killed");
            tree.root.killChild("killed").join(); // `pooly kill`
            tree.awaitReplaced("killed", killed);
            tree.root.stopChild("stopped").join();

            assertThat(tree.node("normal").lastExit()).isEqualTo(ExitReason.NORMAL);
            assertThat(tree.node("normal").restarts()).isZero();
            assertThat(tree.node("crashes").lastExit()).isEqualTo(ExitReason.CRASH);
            assertThat(tree.node("outside").lastExit()).isEqualTo(ExitReason.KILLED);
            assertThat(tree.node("killed").lastExit()).isEqualTo(ExitReason.KILLED);
            assertThat(tree.node("stopped").lastExit()).isEqualTo(ExitReason.STOPPED);
            assertThat(tree.events.of(SupervisionEvent.Exited.class)).extracting(SupervisionEvent.Exited::id, SupervisionEvent.Exited::reason)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple("normal", ExitReason.NORMAL),
                            org.assertj.core.groups.Tuple.tuple("crashes", ExitReason.CRASH),
                            org.assertj.core.groups.Tuple.tuple("outside", ExitReason.KILLED),
                            org.assertj.core.groups.Tuple.tuple("killed", ExitReason.KILLED),
                            org.assertj.core.groups.Tuple.tuple("stopped", ExitReason.STOPPED));
        }
    }

    @Test
    void theTableOfExitStatusesIsOneForProcessesAndWorkers() {
        assertThat(ExitReason.of(new ExitStatus.Exited(0))).isEqualTo(ExitReason.NORMAL);
        assertThat(ExitReason.of(new ExitStatus.Exited(1))).isEqualTo(ExitReason.CRASH);
        assertThat(ExitReason.of(new ExitStatus.Signaled(9))).isEqualTo(ExitReason.KILLED);
        assertThat(ExitReason.of(new ExitStatus.Signaled(15))).isEqualTo(ExitReason.CRASH);
        assertThat(ExitReason.of(new ExitStatus.Shutdown())).isEqualTo(ExitReason.STOPPED);
        assertThat(ExitReason.of(new ExitStatus.Crashed("boom"))).isEqualTo(ExitReason.CRASH);
    }
}
