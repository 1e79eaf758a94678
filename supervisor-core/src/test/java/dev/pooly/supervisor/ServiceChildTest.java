package dev.pooly.supervisor;

import dev.pooly.testing.Pids;
import dev.pooly.testing.EventLog;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

import static dev.pooly.supervisor.Children.*;
import static dev.pooly.supervisor.RunningTree.during;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

class ServiceChildTest {

    /** An in-JVM service that records how the supervisor drives it. */
    static final class ProbeService implements Service {
        final int incarnation;
        private final boolean failStart;
        volatile ServiceContext context;
        volatile boolean started;
        final List<Duration> stops = new CopyOnWriteArrayList<>();

        ProbeService(int incarnation, boolean failStart) {
            this.incarnation = incarnation;
            this.failStart = failStart;
        }

        @Override
        public void start(ServiceContext context) throws Exception {
            this.context = context;
            if (failStart) throw new IllegalStateException("no database for incarnation " + incarnation);
            started = true;
        }

        @Override
        public void stop(Duration timeout) {
            stops.add(timeout);
        }
    }

    /** Makes numbered {@link ProbeService}s; those whose number matches {@code failing} fail to start. */
    static final class Probes {
        final List<ProbeService> made = new CopyOnWriteArrayList<>();
        private final IntPredicate failing;

        Probes(IntPredicate failing) {
            this.failing = failing;
        }

        Probes() {
            this(n -> false);
        }

        ServiceSpec spec(String id) {
            return ServiceSpec.of(id, this::make);
        }

        private ProbeService make() {
            int n = made.size();
            ProbeService s = new ProbeService(n, failing.test(n));
            made.add(s);
            return s;
        }

        ProbeService get(int n) {
            return made.get(n);
        }
    }

    @Test
    void serviceThatReportsACrashIsStoppedAndRestarted() {
        Probes probes = new Probes();
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, probes.spec("svc")))) {
            ProbeService first = probes.get(0);
            assertThat(first.started).isTrue();
            assertThat(first.context.id()).isEqualTo("svc");

            first.context.crash("lost its connection", new RuntimeException("socket closed"));

            RunningTree.await().until(() -> probes.made.size() == 2 && probes.get(1).started);
            assertThat(first.stops).hasSize(1);
            tree.awaitState("svc", NodeStatus.State.RUNNING);
            assertThat(tree.node("svc").restarts()).isEqualTo(1);
            assertThat(tree.node("svc").lastError()).contains("lost its connection");
            assertThat(tree.events.of(SupervisionEvent.Restarting.class, "svc")).singleElement()
                    .satisfies(r -> assertThat(r.cause()).contains("lost its connection"));
            assertThat(tree.events.of(SupervisionEvent.Exited.class, "svc")).singleElement()
                    .satisfies(e -> assertThat(e.status()).isInstanceOf(ExitStatus.Crashed.class));
        }
    }

    @Test
    void secondCrashReportOfTheSameServiceIsIgnored() {
        Probes probes = new Probes();
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, probes.spec("svc")))) {
            ServiceContext context = probes.get(0).context;

            context.crash("first", null);
            context.crash("second", null);

            RunningTree.await().until(() -> probes.made.size() == 2);
            during(Duration.ofMillis(300)).until(() -> probes.made.size() == 2);
            assertThat(tree.node("svc").restarts()).isEqualTo(1);
        }
    }

    @Test
    void crashReportAfterTheServiceWasStoppedIsIgnored() throws Exception {
        Probes probes = new Probes();
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, probes.spec("svc")))) {
            ServiceContext context = probes.get(0).context;
            tree.root.stopChild("svc").get(5, TimeUnit.SECONDS);

            context.crash("too late", null);

            during(Duration.ofMillis(300)).until(() -> probes.made.size() == 1);
            assertThat(tree.node("svc").state()).isEqualTo(NodeStatus.State.STOPPED);
            assertThat(tree.root.termination()).isNotDone();
        }
    }

    @Test
    void serviceWhoseStartThrowsFailsTheRootStart() {
        Probes probes = new Probes(n -> true);
        var events = new EventLog();

        Throwable thrown = catchThrowable(() -> SupervisionTree.start(root(Strategy.ONE_FOR_ONE, intensity(1, Duration.ofSeconds(5)),
                probes.spec("svc")), events));

        // Which child failed is in the message; the exact childId is StartFailureTest's concern.
        assertThat(thrown).isInstanceOf(ChildStartException.class).hasMessageContaining("svc");
        assertThat(events.of(SupervisionEvent.StartFailed.class, "svc")).isNotEmpty()
                .allSatisfy(f -> assertThat(f.error()).contains("no database"));
    }

    @Test
    void serviceWhoseRestartThrowsIsAFailedStartThatCountsTowardIntensity() {
        Probes probes = new Probes(n -> n > 0);
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, intensity(2, Duration.ofSeconds(10)),
                sleeper("sibling"), probes.spec("svc")))) {
            long sibling = tree.pid("sibling");

            probes.get(0).context.crash("lost its connection", null);

            assertThat(tree.awaitTermination()).isInstanceOf(ExitStatus.Crashed.class);
            assertThat(tree.events.of(SupervisionEvent.StartFailed.class, "svc")).isNotEmpty()
                    .allSatisfy(f -> assertThat(f.error()).contains("no database"));
            Pids.awaitDead(sibling);
        }
    }

    @Test
    void serviceIsStoppedWithItsGracefulTimeout() throws Exception {
        Probes probes = new Probes();
        var spec = new ServiceSpec("svc", probes::make, RestartType.PERMANENT, Shutdown.graceful(Duration.ofMillis(750)));
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, spec))) {
            tree.root.stopChild("svc").get(5, TimeUnit.SECONDS);
            assertThat(probes.get(0).stops).containsExactly(Duration.ofMillis(750));
        }
    }

    @Test
    void brutallyKilledServiceIsStoppedWithAZeroTimeout() throws Exception {
        Probes probes = new Probes();
        var spec = new ServiceSpec("svc", probes::make, RestartType.PERMANENT, Shutdown.brutalKill());
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, spec))) {
            tree.root.shutdown().get(5, TimeUnit.SECONDS);
            assertThat(probes.get(0).stops).containsExactly(Duration.ZERO);
        }
    }

    @Test
    void killingAServiceCrashesItAndItIsRestarted() throws Exception {
        Probes probes = new Probes();
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, probes.spec("svc")))) {
            tree.root.killChild("svc").get(5, TimeUnit.SECONDS);

            RunningTree.await().until(() -> probes.made.size() == 2 && probes.get(1).started);
            assertThat(probes.get(0).stops).hasSize(1);
            RunningTree.await().until(() -> tree.node("svc").restarts() == 1);
        }
    }

    @Test
    void serviceReachesItsSiblingSupervisorAndPublishesEvents() throws Exception {
        Probes probes = new Probes();
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE,
                SupervisorSpec.dynamic("workers", LENIENT, ProcessSpec.of("worker", "cat").withStdio(Stdio.CHANNEL)),
                probes.spec("svc")))) {
            ServiceContext context = probes.get(0).context;

            Optional<Supervisor> workers = context.siblingSupervisor("workers");
            var failed = new SupervisionEvent.StartFailed("root/workers/w1", "w1", "worker would not start");
            context.publish(failed);

            assertThat(workers).hasValueSatisfying(w -> assertThat(w.id()).isEqualTo("workers"));
            assertThat(context.siblingSupervisor("nope")).isEmpty();
            RunningTree.await().until(() -> tree.events.all().contains(failed));
        }
    }

    @Test
    void serviceNodeIsAServiceWithoutPid() {
        Probes probes = new Probes();
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE, probes.spec("svc")))) {
            NodeStatus svc = tree.node("svc");
            assertThat(svc.type()).isEqualTo(NodeStatus.Type.SERVICE);
            assertThat(svc.state()).isEqualTo(NodeStatus.State.RUNNING);
            assertThat(svc.pid()).isZero();
        }
    }
}
