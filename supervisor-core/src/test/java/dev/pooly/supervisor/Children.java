package dev.pooly.supervisor;

import java.time.Duration;
import java.util.List;

/** Child and supervisor specs the tests are built from: real, cheap OS processes with short shutdowns. */
final class Children {
    private Children() {}

    /** Short enough to keep the suite fast, long enough for sh to run a TERM trap. */
    static final Shutdown QUICK = Shutdown.graceful(Duration.ofMillis(300));

    /** Generous for a test, small next to the contract's default of 3 in 5 s. */
    static final Intensity LENIENT = Intensity.of(10, Duration.ofSeconds(10));

    /** A process that runs until it is stopped and honours SIGTERM. */
    static ProcessSpec sleeper(String id) {
        return ProcessSpec.of(id, "sleep", "300").withShutdown(QUICK);
    }

    /** {@code sh -c script}. */
    static ProcessSpec shell(String id, String script) {
        return ProcessSpec.of(id, "sh", "-c", script).withShutdown(QUICK);
    }

    /**
     * A process that ignores SIGTERM (and so do its {@code sleep}s, which inherit the ignored signal).
     * It is ready only once the trap is set, so a stop right after the start cannot beat the trap.
     */
    static ProcessSpec termIgnoring(String id) {
        return shell(id, "trap '' TERM; echo READY; while :; do sleep 1; done")
                .withReadiness(Readiness.line("READY", Duration.ofSeconds(3)));
    }

    /** A process with two {@code sleep} children: a process tree. */
    static ProcessSpec withTwoGrandchildren(String id) {
        return shell(id, "sleep 300 & sleep 300 & wait");
    }

    static SupervisorSpec root(Strategy strategy, ChildSpec... children) {
        return SupervisorSpec.of("root", strategy, LENIENT, List.of(children));
    }

    static SupervisorSpec root(Strategy strategy, Intensity intensity, ChildSpec... children) {
        return SupervisorSpec.of("root", strategy, intensity, List.of(children));
    }

    static SupervisorSpec nested(String id, Strategy strategy, Intensity intensity, ChildSpec... children) {
        return SupervisorSpec.of(id, strategy, intensity, List.of(children));
    }

    static Intensity intensity(int maxRestarts, Duration period) {
        return Intensity.of(maxRestarts, period);
    }
}
