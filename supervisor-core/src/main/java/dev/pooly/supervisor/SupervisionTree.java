package dev.pooly.supervisor;

import dev.pooly.supervisor.internal.SupervisorActor;

import java.util.function.Consumer;

/**
 * Starts supervision trees.
 *
 * <p>Thread-safety: static and thread-safe. Interrupt: {@link #start} waits for the tree to come up;
 * an interrupt stops what was started and rethrows as {@link ChildStartException} with the
 * interrupt flag set.
 */
public final class SupervisionTree {
    private SupervisionTree() {}

    /**
     * Starts {@code spec} and its children in order and returns once all are running.
     *
     * @param listener receives every {@link SupervisionEvent}, on supervisor threads, possibly several
     *                 at once (dynamic children stop concurrently): keep it quick and thread-safe
     * @throws ChildStartException if the root gave up while starting (a child kept failing to start);
     *                             nothing is left running then
     */
    public static Supervisor start(SupervisorSpec spec, Consumer<? super SupervisionEvent> listener) {
        return SupervisorActor.startRoot(spec, listener);
    }

    public static Supervisor start(SupervisorSpec spec) {
        return start(spec, e -> {});
    }

    /**
     * How this JVM contains supervised processes' descendants: {@code "cgroup"} (a cgroup v2 per
     * process and per supervisor; nothing escapes a stop, a kill or the death of this JVM) or
     * {@code "session-tracking"} (process groups plus descendants found at stop time; see the
     * package documentation for what it cannot promise). Decided once per JVM.
     */
    public static String containment() {
        return dev.pooly.supervisor.internal.Containment.mode().label();
    }

    /**
     * How new processes reach their cgroup where {@link #containment()} is {@code "cgroup"}:
     * {@code "clone_into_cgroup"} (born in it, glibc >= 2.39) or {@code "migrate"} (moved after the
     * spawn; on a cgroup2 mount without {@code favordynmods} each move waits for an RCU grace period).
     */
    public static String cgroupPlacement() {
        return dev.pooly.supervisor.internal.Launcher.placement();
    }

    /** How this JVM starts processes: {@code "posix_spawn"} (Java 22+ on Linux) or {@code "ProcessBuilder"}. */
    public static String launchPath() {
        return dev.pooly.supervisor.internal.Launcher.launchPath();
    }
}
