package dev.pooly.supervisor;

import dev.pooly.testing.Pids;
import dev.pooly.testing.Waits;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.pooly.supervisor.Children.*;
import static org.assertj.core.api.Assertions.assertThat;

class ShutdownTest {

    @Test
    void gracefulShutdownEndsAChildThatHonoursSigtermWithoutWaitingOutTheTimeout() throws Exception {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE,
                sleeper("s").withShutdown(Shutdown.graceful(Duration.ofSeconds(5)))))) {
            long pid = tree.pid("s");

            long took = timed(() -> tree.root.stopChild("s").get(5, TimeUnit.SECONDS));

            assertThat(Pids.alive(pid)).isFalse();
            assertThat(took).as("ms to stop a child that exits on SIGTERM").isLessThan(2_000);
            assertThat(tree.events.of(SupervisionEvent.Exited.class, "s"))
                    .extracting(SupervisionEvent.Exited::status).containsExactly(new ExitStatus.Shutdown());
        }
    }

    @Test
    void gracefulShutdownKillsAChildThatIgnoresSigtermOnceTheTimeoutIsOver() throws Exception {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE,
                termIgnoring("stubborn").withShutdown(Shutdown.graceful(Duration.ofMillis(400)))))) {
            long pid = tree.pid("stubborn");
            tree.track(Pids.descendants(pid));

            long took = timed(() -> tree.root.stopChild("stubborn").get(5, TimeUnit.SECONDS));

            assertThat(took).as("ms to stop a child that ignores SIGTERM").isBetween(400L, 3_000L);
            assertThat(Pids.alive(pid)).isFalse();
            assertThat(tree.node("stubborn").state()).isEqualTo(NodeStatus.State.STOPPED);
            // Killing it was still the supervisor's own stop, not a crash.
            assertThat(tree.events.of(SupervisionEvent.Exited.class, "stubborn"))
                    .extracting(SupervisionEvent.Exited::status).containsExactly(new ExitStatus.Shutdown());
        }
    }

    @Test
    void brutalKillStopsEvenASigtermIgnoringChildAtOnce() throws Exception {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE,
                termIgnoring("stubborn").withShutdown(Shutdown.brutalKill())))) {
            long pid = tree.pid("stubborn");

            long took = timed(() -> tree.root.stopChild("stubborn").get(5, TimeUnit.SECONDS));

            assertThat(Pids.alive(pid)).isFalse();
            assertThat(took).as("ms to brutal_kill").isLessThan(1_000);
        }
    }

    @Test
    void infinityWaitsUntilANestedSupervisorHasStoppedItsChildren() throws Exception {
        // We test this by nesting a child that needs its whole 400 ms graceful timeout: an infinity
        // shutdown of the nested supervisor must wait for it, and nothing may be left afterwards.
        var backend = nested("backend", Strategy.ONE_FOR_ONE, LENIENT,
                termIgnoring("stubborn").withShutdown(Shutdown.graceful(Duration.ofMillis(400))), sleeper("quick"))
                .withShutdown(Shutdown.infinity());
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, backend))) {
            long stubborn = tree.pid("stubborn"), quick = tree.pid("quick");
            tree.track(Pids.descendants(stubborn));

            long took = timed(() -> tree.root.stopChild("backend").get(5, TimeUnit.SECONDS));

            assertThat(took).isGreaterThanOrEqualTo(400);
            assertThat(Pids.alive(List.of(stubborn, quick))).isEmpty();
            assertThat(tree.node("backend").state()).isEqualTo(NodeStatus.State.STOPPED);
        }
    }

    @Test
    void brutalKillOfANestedSupervisorTearsItDownWithoutWaiting() throws Exception {
        var backend = nested("backend", Strategy.ONE_FOR_ONE, LENIENT,
                termIgnoring("stubborn").withShutdown(Shutdown.graceful(Duration.ofSeconds(3))))
                .withShutdown(Shutdown.brutalKill());
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, backend))) {
            long stubborn = tree.pid("stubborn");
            tree.track(Pids.descendants(stubborn));

            long took = timed(() -> tree.root.stopChild("backend").get(5, TimeUnit.SECONDS));

            assertThat(took).isLessThan(1_500);
            Pids.awaitDead(stubborn);
        }
    }

    @Test
    void stoppingAChildStopsItsWholeProcessTree() throws Exception {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, withTwoGrandchildren("tree")))) {
            long pid = tree.pid("tree");
            List<Long> grandchildren = awaitDescendants(pid, 2);
            tree.track(grandchildren);

            tree.root.stopChild("tree").get(5, TimeUnit.SECONDS);

            Pids.awaitDead(grandchildren);
            assertThat(Pids.alive(pid)).isFalse();
        }
    }

    @Test
    void stoppingAChildAlsoStopsDescendantsThatLeftItsProcessGroup() throws Exception {
        // setsid puts the grandchild into a session (and process group) of its own, out of reach of a
        // signal to the child's group: only a stop that follows descendants finds it.
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE,
                shell("escaper", "setsid -w sleep 300 & wait")))) {
            long pid = tree.pid("escaper");
            List<Long> descendants = awaitDescendants(pid, 1);
            tree.track(descendants);
            // The state this test is about: the grandchild has left the group (setsid has run), not
            // merely been forked; under load the stop could otherwise come in between.
            long escaped = descendants.get(0);
            Waits.await().until(() -> Pids.processGroup(escaped) == escaped);

            tree.root.stopChild("escaper").get(5, TimeUnit.SECONDS);

            Pids.awaitDead(descendants);
        }
    }

    @Test
    void gracefulStopOfAProcessTreeThatHonoursSigtermDoesNotWaitOutTheTimeout() throws Exception {
        // The grandchildren exit on SIGTERM at once, but their parent dies with them, so they are
        // zombies until pid 1 reaps them; a stop that waits for them to vanish takes as long as that.
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE,
                withTwoGrandchildren("tree").withShutdown(Shutdown.graceful(Duration.ofSeconds(5)))))) {
            long pid = tree.pid("tree");
            tree.track(awaitDescendants(pid, 2));

            long took = timed(() -> tree.root.stopChild("tree").get(10, TimeUnit.SECONDS));

            assertThat(took).as("ms to stop a process tree that exits on SIGTERM").isLessThan(1_000);
        }
    }

    @Test
    void killingAChildKillsItsProcessTree() throws Exception {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, withTwoGrandchildren("tree")))) {
            long pid = tree.pid("tree");
            List<Long> grandchildren = awaitDescendants(pid, 2);
            tree.track(grandchildren);

            tree.root.killChild("tree").get(5, TimeUnit.SECONDS);

            Pids.awaitDead(grandchildren);
            tree.awaitReplaced("tree", pid);
        }
    }

    @Test
    void grandchildrenOfAChildThatCrashedAreCleanedUpBeforeItsRestart() {
        // Only the child itself is SIGKILLed from outside; what it started must not pile up as orphans.
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, withTwoGrandchildren("tree")))) {
            long pid = tree.pid("tree");
            List<Long> grandchildren = awaitDescendants(pid, 2);
            tree.track(grandchildren);

            tree.sigkill(pid);

            tree.awaitReplaced("tree", pid);
            Pids.awaitDead(grandchildren);
        }
    }

    @Test
    void shutdownStopsEveryChildAndCompletesTerminationWithShutdown() throws Exception {
        var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, sleeper("a"),
                nested("backend", Strategy.ONE_FOR_ONE, LENIENT, sleeper("x"), withTwoGrandchildren("y"))));
        try (tree) {
            List<Long> pids = List.of(tree.pid("a"), tree.pid("x"), tree.pid("y"));
            List<Long> grandchildren = awaitDescendants(tree.pid("y"), 2);
            tree.track(grandchildren);

            tree.root.shutdown().get(5, TimeUnit.SECONDS);

            assertThat(tree.root.termination().get(5, TimeUnit.SECONDS)).isEqualTo(new ExitStatus.Shutdown());
            assertThat(Pids.alive(pids)).isEmpty();
            Pids.awaitDead(grandchildren);
        }
    }

    @Test
    void shutdownIsIdempotent() throws Exception {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, sleeper("a")))) {
            var first = tree.root.shutdown();
            var second = tree.root.shutdown();
            first.get(5, TimeUnit.SECONDS);
            second.get(5, TimeUnit.SECONDS);
            assertThat(tree.root.termination().get(5, TimeUnit.SECONDS)).isEqualTo(new ExitStatus.Shutdown());
        }
    }

    static List<Long> awaitDescendants(long pid, int count) {
        RunningTree.await().until(() -> Pids.descendants(pid).size() >= count);
        return Pids.descendants(pid);
    }

    interface Action {
        void run() throws Exception;
    }

    static long timed(Action action) throws Exception {
        long t0 = System.nanoTime();
        action.run();
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
