package dev.pooly.supervisor;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A supervisor: strategy, restart intensity and children, started in list order and stopped in
 * reverse. With {@link Strategy#SIMPLE_ONE_FOR_ONE}, {@code children} is empty and {@code template}
 * describes the dynamic children started by {@link Supervisor#startChild()}.
 *
 * <p>As a child of another supervisor its default restart type is permanent and its shutdown
 * {@code infinity}, as in OTP.
 *
 * <p>Immutable and thread-safe ({@code children} is copied).
 */
public record SupervisorSpec(
        String id,
        Strategy strategy,
        Intensity intensity,
        List<ChildSpec> children,
        ChildSpec template,
        RestartType restart,
        Shutdown shutdown) implements ChildSpec {

    public SupervisorSpec {
        ChildSpec.checkId(id);
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(intensity, "intensity");
        children = List.copyOf(children == null ? List.of() : children);
        Objects.requireNonNull(restart, "restart");
        Objects.requireNonNull(shutdown, "shutdown");
        if (strategy == Strategy.SIMPLE_ONE_FOR_ONE) {
            if (template == null) throw new IllegalArgumentException("supervisor " + id + ": simple_one_for_one needs a template");
            if (!children.isEmpty()) throw new IllegalArgumentException("supervisor " + id + ": simple_one_for_one takes no static children");
        } else if (template != null) {
            throw new IllegalArgumentException("supervisor " + id + ": only simple_one_for_one takes a template");
        }
        Set<String> seen = new HashSet<>();
        for (ChildSpec c : children) {
            if (!seen.add(c.id())) throw new IllegalArgumentException("supervisor " + id + ": duplicate child id " + c.id());
        }
    }

    public static SupervisorSpec of(String id, Strategy strategy, Intensity intensity, List<ChildSpec> children) {
        return new SupervisorSpec(id, strategy, intensity, children, null, RestartType.PERMANENT, Shutdown.infinity());
    }

    public static SupervisorSpec of(String id, Strategy strategy, List<ChildSpec> children) {
        return of(id, strategy, Intensity.DEFAULT, children);
    }

    /** A {@code simple_one_for_one} supervisor of dynamic children made from {@code template}. */
    public static SupervisorSpec dynamic(String id, Intensity intensity, ChildSpec template) {
        return new SupervisorSpec(id, Strategy.SIMPLE_ONE_FOR_ONE, intensity, List.of(), template,
                RestartType.PERMANENT, Shutdown.infinity());
    }

    @Override public SupervisorSpec withId(String id) {
        return new SupervisorSpec(id, strategy, intensity, children, template, restart, shutdown);
    }
    @Override public SupervisorSpec withRestart(RestartType restart) {
        return new SupervisorSpec(id, strategy, intensity, children, template, restart, shutdown);
    }
    public SupervisorSpec withShutdown(Shutdown shutdown) {
        return new SupervisorSpec(id, strategy, intensity, children, template, restart, shutdown);
    }
}
