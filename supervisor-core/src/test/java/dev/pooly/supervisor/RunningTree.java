package dev.pooly.supervisor;

import dev.pooly.testing.Waits;
import dev.pooly.testing.Pids;
import dev.pooly.testing.EventLog;

import org.awaitility.core.ConditionFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A supervision tree started for one test, closed with try-with-resources: closing shuts the tree
 * down and proves that no process it spawned is left running.
 *
 * <p>"Spawned" means every pid the tree reported in an event, every pid a test {@link #track}ed
 * (grandchildren, pids a child wrote to a file) and every descendant of this JVM that was not
 * there before the tree started. Not thread-safe; one test thread uses it.
 */
final class RunningTree implements AutoCloseable {
    static final Duration PATIENCE = Waits.PATIENCE;

    final Supervisor root;
    final EventLog events;
    private final Leaks leaks;

    private RunningTree(Supervisor root, EventLog events, Leaks leaks) {
        this.root = root;
        this.events = events;
        this.leaks = leaks;
    }

    static RunningTree start(SupervisorSpec spec) {
        Leaks leaks = Leaks.watch();
        EventLog events = new EventLog();
        return new RunningTree(SupervisionTree.start(spec, events), events, leaks);
    }

    /** See {@link Waits#await()}. */
    static ConditionFactory await() {
        return Waits.await();
    }

    /** See {@link Waits#during(Duration)}. */
    static ConditionFactory during(Duration period) {
        return Waits.during(period);
    }

    NodeStatus node(String id) {
        NodeStatus status = root.status();
        return status.find(id).orElseThrow(() -> new AssertionError("no node '" + id + "' in " + status));
    }

    long pid(String id) {
        long pid = node(id).pid();
        assertThat(pid).as("pid of %s", id).isPositive();
        leaks.track(pid);
        return pid;
    }

    boolean isRunning(String id) {
        return root.status().find(id).map(n -> n.state() == NodeStatus.State.RUNNING).orElse(false);
    }

    /** Waits until process {@code id} runs with a pid other than {@code oldPid}; returns the new pid. */
    long awaitReplaced(String id, long oldPid) {
        await().until(() -> root.status().find(id)
                .filter(n -> n.state() == NodeStatus.State.RUNNING && n.pid() > 0 && n.pid() != oldPid)
                .isPresent());
        return pid(id);
    }

    void awaitState(String id, NodeStatus.State state) {
        await().untilAsserted(() -> assertThat(root.status().find(id)).as("node %s", id)
                .hasValueSatisfying(n -> assertThat(n.state()).isEqualTo(state)));
    }

    /** SIGKILLs a process from outside, as a crash would. */
    void sigkill(long pid) {
        leaks.track(pid);
        Pids.sigkill(pid);
    }

    /** Adds pids the tree does not report (grandchildren, pids children wrote down) to the final check. */
    void track(Collection<Long> pids) {
        pids.forEach(leaks::track);
    }

    void track(long pid) {
        leaks.track(pid);
    }

    ExitStatus awaitTermination() {
        try {
            return root.termination().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("supervisor " + root.id() + " did not terminate within " + PATIENCE
                    + "; status " + root.status() + "; events " + events, e);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        try {
            if (!root.termination().isDone()) {
                try {
                    root.shutdown().get(10, TimeUnit.SECONDS);
                } catch (IllegalStateException alreadyTerminated) {
                    // It terminated between the check and the request: nothing left to shut down.
                }
            }
            root.termination().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("tree did not shut down: " + root.status(), e);
        } finally {
            leaks.assertNoneLeft(events.pids());
        }
    }

    /** Proves that processes a test spawned are gone. */
    static final class Leaks {
        private final Set<Long> before;
        private final Set<Long> tracked = ConcurrentHashMap.newKeySet();

        private Leaks(Set<Long> before) {
            this.before = before;
        }

        static Leaks watch() {
            return new Leaks(Pids.ofThisJvm());
        }

        void track(long pid) {
            if (pid > 0) tracked.add(pid);
        }

        void assertNoneLeft(Collection<Long> reported) {
            Set<Long> all = new HashSet<>(tracked);
            all.addAll(reported);
            Set<Long> newDescendants = new HashSet<>(Pids.ofThisJvm());
            newDescendants.removeAll(before);
            all.addAll(newDescendants);
            Pids.awaitDead(all);
        }
    }
}
