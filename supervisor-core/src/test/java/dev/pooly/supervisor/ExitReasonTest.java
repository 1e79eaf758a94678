package dev.pooly.supervisor;

import org.junit.jupiter.api.Test;

import static dev.pooly.supervisor.Children.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Every exit carries a reason, in its event and as {@code lastExit} in status. */
class ExitReasonTest {

    @Test
    void aCrashAKillAndAStopEachNameTheirReason() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, LENIENT,
                sleeper("crashes").withBackoff(Backoff.NONE), sleeper("killed").withBackoff(Backoff.NONE), sleeper("stopped")))) {
            assertThat(tree.node("crashes").lastExit()).as("before any exit").isNull();

            long crashed = tree.pid("crashes");
            tree.sigkill(crashed); // from outside Pooly: a crash
            tree.awaitReplaced("crashes", crashed);
            long killed = tree.pid("killed");
            tree.root.killChild("killed").join(); // `pooly kill`
            tree.awaitReplaced("killed", killed);
            tree.root.stopChild("stopped").join();

            assertThat(tree.node("crashes").lastExit()).isEqualTo(ExitReason.CRASH);
            assertThat(tree.node("killed").lastExit()).isEqualTo(ExitReason.KILLED);
            assertThat(tree.node("stopped").lastExit()).isEqualTo(ExitReason.STOPPED);
            assertThat(tree.events.of(SupervisionEvent.Exited.class)).extracting(SupervisionEvent.Exited::id, SupervisionEvent.Exited::reason)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple("crashes", ExitReason.CRASH),
                            org.assertj.core.groups.Tuple.tuple("killed", ExitReason.KILLED),
                            org.assertj.core.groups.Tuple.tuple("stopped", ExitReason.STOPPED));
        }
    }
}
