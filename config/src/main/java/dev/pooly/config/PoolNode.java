package dev.pooly.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A {@code pool:} entry: a poolboy-style pool of worker processes, itself a supervisor of its
 * workers with its own restart intensity. Immutable.
 *
 * @param name           the pool's name, also its {@link #id()} in the tree
 * @param command        each worker's argv, program first; never run through a shell
 * @param env            added to the daemon's environment, in file order
 * @param cwd            absolute, resolved against the config file's directory
 * @param size           workers started up front and kept alive
 * @param maxOverflow    extra workers started on demand and dismissed when idle
 * @param checkoutTimeout how long a caller that gives no timeout waits for a worker
 * @param overflowTtl    how long an idle overflow worker lingers; {@link Duration#ZERO} dismisses it at once
 * @param maxUses        leases after which a worker is replaced; 0 means unlimited
 * @param leaseTimeout   a lease held longer is revoked and its worker killed; {@link Duration#ZERO} means never
 * @param maxRestarts    restart intensity of the pool's worker supervisor: at most this many restarts ...
 * @param maxSeconds     ... within this many seconds
 * @param backoff        how replacing a worker that crashed soon after it started is delayed
 * @param health         the workers' health check, or null for none
 * @param maxMemory      bytes of RSS each worker's process tree may use; 0 = no limit
 * @param framing        where requests and answers begin and end ({@link FramingSetting#LINE} by default)
 */
public record PoolNode(
        String name,
        List<String> command,
        Map<String, String> env,
        Path cwd,
        int size,
        int maxOverflow,
        PoolStrategy strategy,
        Duration checkoutTimeout,
        Duration overflowTtl,
        long maxUses,
        Duration leaseTimeout,
        OnAbandon onAbandon,
        ReadySetting ready,
        ShutdownSetting shutdown,
        int maxRestarts,
        int maxSeconds,
        Location location,
        BackoffSetting backoff,
        PoolHealthSetting health,
        long maxMemory,
        FramingSetting framing) implements ChildNode {

    public PoolNode {
        Objects.requireNonNull(name, "name");
        command = List.copyOf(command);
        if (command.isEmpty()) throw new IllegalArgumentException("pool " + name + " has an empty command");
        env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
        Objects.requireNonNull(cwd, "cwd");
        if (size < 0 || maxOverflow < 0 || maxUses < 0 || maxRestarts < 0) {
            throw new IllegalArgumentException("pool " + name + ": size, max_overflow, max_uses and max_restarts must not be negative");
        }
        if (maxSeconds < 1) throw new IllegalArgumentException("pool " + name + ": max_seconds must be positive");
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(checkoutTimeout, "checkoutTimeout");
        Objects.requireNonNull(overflowTtl, "overflowTtl");
        Objects.requireNonNull(leaseTimeout, "leaseTimeout");
        Objects.requireNonNull(onAbandon, "onAbandon");
        Objects.requireNonNull(ready, "ready");
        Objects.requireNonNull(shutdown, "shutdown");
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(framing, "framing");
    }

    /** A line-framed pool. */
    public PoolNode(String name, List<String> command, Map<String, String> env, Path cwd, int size, int maxOverflow,
                    PoolStrategy strategy, Duration checkoutTimeout, Duration overflowTtl, long maxUses, Duration leaseTimeout,
                    OnAbandon onAbandon, ReadySetting ready, ShutdownSetting shutdown, int maxRestarts, int maxSeconds,
                    Location location, BackoffSetting backoff, PoolHealthSetting health, long maxMemory) {
        this(name, command, env, cwd, size, maxOverflow, strategy, checkoutTimeout, overflowTtl, maxUses, leaseTimeout,
                onAbandon, ready, shutdown, maxRestarts, maxSeconds, location, backoff, health, maxMemory, FramingSetting.LINE);
    }

    /** A pool with the default backoff. */
    public PoolNode(String name, List<String> command, Map<String, String> env, Path cwd, int size, int maxOverflow,
                    PoolStrategy strategy, Duration checkoutTimeout, Duration overflowTtl, long maxUses, Duration leaseTimeout,
                    OnAbandon onAbandon, ReadySetting ready, ShutdownSetting shutdown, int maxRestarts, int maxSeconds,
                    Location location) {
        this(name, command, env, cwd, size, maxOverflow, strategy, checkoutTimeout, overflowTtl, maxUses, leaseTimeout,
                onAbandon, ready, shutdown, maxRestarts, maxSeconds, location, BackoffSetting.DEFAULT, null, 0, FramingSetting.LINE);
    }

    /** The pool's {@link #name()}. */
    @Override
    public String id() {
        return name;
    }
}
