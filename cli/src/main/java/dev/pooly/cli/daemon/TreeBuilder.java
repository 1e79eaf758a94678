package dev.pooly.cli.daemon;

import dev.pooly.config.BackoffSetting;
import dev.pooly.config.ChildNode;
import dev.pooly.config.PoolNode;
import dev.pooly.config.PoolyConfig;
import dev.pooly.config.ProcessNode;
import dev.pooly.config.ReadySetting;
import dev.pooly.config.ShutdownSetting;
import dev.pooly.config.SupervisorNode;
import dev.pooly.pool.OnAbandon;
import dev.pooly.pool.Pool;
import dev.pooly.pool.PoolHealth;
import dev.pooly.pool.PoolListener;
import dev.pooly.pool.PoolSpec;
import dev.pooly.pool.PoolStrategy;
import dev.pooly.pool.Pools;
import dev.pooly.supervisor.Backoff;
import dev.pooly.supervisor.ChildSpec;
import dev.pooly.supervisor.Intensity;
import dev.pooly.supervisor.LogSpec;
import dev.pooly.supervisor.ProcessHealth;
import dev.pooly.supervisor.ProcessSpec;
import dev.pooly.supervisor.Readiness;
import dev.pooly.supervisor.RestartType;
import dev.pooly.supervisor.Shutdown;
import dev.pooly.supervisor.Stdio;
import dev.pooly.supervisor.Strategy;
import dev.pooly.supervisor.SupervisorSpec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Turns a validated config into the supervision tree's specs and the pools' handles. The only
 * place where config types meet core types. Stateless.
 */
public final class TreeBuilder {
    private TreeBuilder() {}

    /** The tree to start and the pools by name, in file order. */
    public record Tree(SupervisorSpec root, Map<String, Pool> pools) {}

    /** @param listeners the listener for each pool, by pool name (metrics) */
    public static Tree build(PoolyConfig config, Function<String, PoolListener> listeners) {
        LogSpec logs = logSpec(config);
        Map<String, Pool> pools = new LinkedHashMap<>();
        SupervisorSpec root = supervisor(config.root(), logs, pools, listeners);
        return new Tree(root, pools);
    }

    /**
     * The spec of one node of {@code config} (a reload's new or changed child); the pools it holds
     * are added to {@code pools}.
     */
    static ChildSpec child(PoolyConfig config, ChildNode node, Map<String, Pool> pools, Function<String, PoolListener> listeners) {
        LogSpec logs = logSpec(config);
        return switch (node) {
            case SupervisorNode s -> supervisor(s, logs, pools, listeners);
            case ProcessNode p -> process(p, logs);
            case PoolNode p -> pool(p, logs, pools, listeners.apply(p.name()));
        };
    }

    static Strategy strategyOf(SupervisorNode node) { return strategy(node.strategy()); }

    static Intensity intensityOf(SupervisorNode node) {
        return Intensity.of(node.maxRestarts(), Duration.ofSeconds(node.maxSeconds()));
    }

    private static SupervisorSpec supervisor(SupervisorNode node, LogSpec logs, Map<String, Pool> pools,
                                             Function<String, PoolListener> listeners) {
        List<ChildSpec> children = new ArrayList<>();
        for (ChildNode child : node.children()) {
            children.add(switch (child) {
                case SupervisorNode s -> supervisor(s, logs, pools, listeners);
                case ProcessNode p -> process(p, logs);
                case PoolNode p -> pool(p, logs, pools, listeners.apply(p.name()));
            });
        }
        return SupervisorSpec.of(node.id(), strategy(node.strategy()),
                Intensity.of(node.maxRestarts(), Duration.ofSeconds(node.maxSeconds())), children);
    }

    private static ProcessSpec process(ProcessNode node, LogSpec logs) {
        return new ProcessSpec(node.id(), node.command(), node.env(), node.cwd(), restart(node.restart()),
                shutdown(node.shutdown()), readiness(node.ready()), Stdio.LOGGED, logs, backoff(node.backoff()),
                node.health() == null ? null : new ProcessHealth(node.health().command(), node.health().every(),
                        node.health().timeout(), node.health().retries(), node.health().grace()),
                node.maxMemory());
    }

    private static ChildSpec pool(PoolNode node, LogSpec logs, Map<String, Pool> pools, PoolListener listener) {
        Pools.PoolTree tree = Pools.create(poolSpec(node, logs), listener);
        pools.put(node.name(), tree.pool());
        return tree.spec();
    }

    /** A pool's spec as {@code config} says (a reload's changed pool). */
    static PoolSpec poolSpec(PoolyConfig config, PoolNode node) {
        return poolSpec(node, logSpec(config));
    }

    private static PoolSpec poolSpec(PoolNode node, LogSpec logs) {
        ProcessSpec worker = new ProcessSpec(node.name(), node.command(), node.env(), node.cwd(), RestartType.TEMPORARY,
                shutdown(node.shutdown()), readiness(node.ready()), Stdio.CHANNEL, logs, backoff(node.backoff()));
        PoolSpec spec = new PoolSpec(node.name(), worker, node.size(), node.maxOverflow(),
                node.strategy() == dev.pooly.config.PoolStrategy.FIFO ? PoolStrategy.FIFO : PoolStrategy.LIFO,
                node.checkoutTimeout(), node.overflowTtl(), (int) Math.min(Integer.MAX_VALUE, node.maxUses()),
                node.leaseTimeout(), node.onAbandon() == dev.pooly.config.OnAbandon.RETURN ? OnAbandon.RETURN : OnAbandon.REPLACE,
                Intensity.of(node.maxRestarts(), Duration.ofSeconds(node.maxSeconds())),
                node.health() == null ? null : new PoolHealth(node.health().request(), node.health().expect(),
                        node.health().every(), node.health().timeout(), node.health().onCheckout()),
                node.maxMemory(), framing(node.framing()));
        return spec;
    }

    /** The config's {@code framing:} as pool-core's {@link dev.pooly.pool.Framing}. */
    static dev.pooly.pool.Framing framing(dev.pooly.config.FramingSetting f) {
        return switch (f.kind()) {
            case LINE -> new dev.pooly.pool.Framing.Line(f.max());
            case UNTIL -> new dev.pooly.pool.Framing.Until(f.end(), f.after(), f.max());
            case JSON -> new dev.pooly.pool.Framing.Json(f.max());
            case PACKET -> new dev.pooly.pool.Framing.Packet(f.size(), f.max());
            case CONTENT_LENGTH -> new dev.pooly.pool.Framing.ContentLength(f.max());
            case NUL -> new dev.pooly.pool.Framing.Nul(f.max());
        };
    }

    /** {@code logs}: rotated files, or (logs.to: stderr) the daemon's stderr with an [id] prefix per line. */
    static LogSpec logSpec(PoolyConfig config) {
        return new LogSpec(config.logs().dir(), config.logs().maxBytes(), config.logs().backups(),
                config.logs().to() == dev.pooly.config.LogTarget.STDERR);
    }

    private static Backoff backoff(BackoffSetting b) {
        return new Backoff(b.minUptime(), b.min(), b.max(), b.factor(), b.jitter());
    }

    private static Strategy strategy(dev.pooly.config.SupervisorStrategy s) {
        return switch (s) {
            case ONE_FOR_ONE -> Strategy.ONE_FOR_ONE;
            case ONE_FOR_ALL -> Strategy.ONE_FOR_ALL;
            case REST_FOR_ONE -> Strategy.REST_FOR_ONE;
        };
    }

    private static RestartType restart(dev.pooly.config.RestartType r) {
        return switch (r) {
            case PERMANENT -> RestartType.PERMANENT;
            case TRANSIENT -> RestartType.TRANSIENT;
            case TEMPORARY -> RestartType.TEMPORARY;
        };
    }

    private static Shutdown shutdown(ShutdownSetting s) {
        return switch (s) {
            case ShutdownSetting.BrutalKill b -> Shutdown.brutalKill();
            case ShutdownSetting.Infinity i -> Shutdown.infinity();
            case ShutdownSetting.Timeout t -> Shutdown.graceful(t.timeout());
        };
    }

    private static Readiness readiness(ReadySetting r) {
        return switch (r) {
            case ReadySetting.Immediate i -> Readiness.immediate();
            case ReadySetting.Delay d -> Readiness.delay(d.delay());
            case ReadySetting.Line l -> Readiness.line(l.line(), l.timeout());
        };
    }
}
