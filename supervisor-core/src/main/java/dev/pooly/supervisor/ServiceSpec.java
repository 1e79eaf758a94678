package dev.pooly.supervisor;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * An in-JVM component supervised like a process: a fresh {@link Service} from {@code factory} is
 * started at every (re)start. Pools are such services.
 *
 * <p>Immutable and thread-safe as a record; {@code factory} is called on the supervisor's own thread,
 * once per (re)start, so it must be quick and must not block.
 */
public record ServiceSpec(String id, Supplier<? extends Service> factory, RestartType restart, Shutdown shutdown)
        implements ChildSpec {

    public ServiceSpec {
        ChildSpec.checkId(id);
        Objects.requireNonNull(factory, "factory");
        Objects.requireNonNull(restart, "restart");
        Objects.requireNonNull(shutdown, "shutdown");
    }

    public static ServiceSpec of(String id, Supplier<? extends Service> factory) {
        return new ServiceSpec(id, factory, RestartType.PERMANENT, Shutdown.DEFAULT);
    }

    @Override public ServiceSpec withId(String id) { return new ServiceSpec(id, factory, restart, shutdown); }
    @Override public ServiceSpec withRestart(RestartType restart) { return new ServiceSpec(id, factory, restart, shutdown); }
}
