package dev.pooly.cli.daemon;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pooly.cli.ExitCode;
import dev.pooly.config.ConfigException;
import dev.pooly.config.ConfigLoader;
import dev.pooly.config.ConfigProblem;
import dev.pooly.config.ChildNode;
import dev.pooly.config.PoolNode;
import dev.pooly.config.PoolyConfig;
import dev.pooly.config.ProcessNode;
import dev.pooly.config.SupervisorNode;
import dev.pooly.pool.Pool;
import dev.pooly.pool.PoolListener;
import dev.pooly.supervisor.Supervisor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code pooly reload} and SIGHUP: re-reads the daemon's config file and applies the difference
 * ({@link ConfigDiff}) to the running tree. A file with any problem changes nothing: the reply carries
 * every problem as {@code FILE:LINE:COLUMN: message} (exit 65) and the daemon logs them and runs on.
 *
 * <p>Thread-safety: reloads are serialised by one lock (a SIGHUP and a {@code pooly reload} at the
 * same moment apply one after the other, each against the config the other left); the lock is held
 * for the whole reload, which waits for processes to stop and start. Only reload threads take it, so
 * no request path (status, lease, call) ever waits on it. Interrupt: a reload is not interruptible
 * once it applies changes; it runs to its end so the tree and {@link #running()} agree.
 */
public final class Reloader {
    private static final Logger LOG = LoggerFactory.getLogger("pooly.reload");

    private final Supervisor root;
    private final PoolTable pools;
    /** Serialises reloads (see the class comment): two reloads diffing against the same old config would apply twice. */
    private final ReentrantLock lock = new ReentrantLock();
    private volatile PoolyConfig running;
    /** Pools resized by {@code pooly scale} since the last reload; guarded by {@link #lock}. */
    private final java.util.Set<String> scaled = new java.util.HashSet<>();

    private final Function<String, PoolListener> listeners;

    /**
     * @param pools the daemon's live pool table, which a reload updates (added and removed pools)
     * @param listeners the listener for a pool a reload adds, by name (metrics), as for those the daemon started with
     */
    Reloader(PoolyConfig running, Supervisor root, PoolTable pools, Function<String, PoolListener> listeners) {
        this.running = running;
        this.root = root;
        this.pools = pools;
        this.listeners = listeners;
    }

    public PoolyConfig running() { return running; }

    /** Reloads; returns the reply for the control protocol (also logged, for SIGHUP). */
    public ObjectNode reload(String cause) {
        // One reload or scale at a time (see the class comment).
        lock.lock();
        try {
            return reloadLocked(cause);
        } finally {
            lock.unlock();
        }
    }

    private ObjectNode reloadLocked(String cause) {
        PoolyConfig current = running;
        PoolyConfig next;
        try {
            next = ConfigLoader.load(current.file());
        } catch (ConfigException e) {
            return invalid(cause, e.problems().stream().map(ConfigProblem::toString).toList());
        } catch (IOException e) {
            return invalid(cause, List.of(current.file() + ":1:1: cannot read the config: " + e.getMessage()));
        }
        ConfigDiff diff = ConfigDiff.of(current, next);
        diff = withScaledPoolsRestored(diff);
        List<String> failures = apply(next, diff);
        running = next;
        ObjectNode reply = summary(diff);
        if (!failures.isEmpty()) {
            reply.put("ok", false).put("code", ExitCode.FAILURE)
                    .put("error", "reload applied with failures:" + System.lineSeparator() + String.join(System.lineSeparator(), failures));
        }
        LOG.info("reload ({}): {}", cause, reply);
        return reply;
    }

    /**
     * Applies {@code diff} in its order (removals of each supervisor in reverse first, then the rest in
     * file order). A step that fails is reported and the others still run: a child that cannot start
     * stays in the tree, failed, as a start on request leaves it. Returns the failures.
     */
    private List<String> apply(PoolyConfig next, ConfigDiff diff) {
        List<String> failures = new ArrayList<>();
        Map<String, Pool> added = new LinkedHashMap<>();
        java.util.Set<String> gone = new java.util.HashSet<>();
        for (ConfigDiff.Change c : diff.changes()) {
            try {
                switch (c.kind()) {
                    case KEPT -> { }
                    case STOPPED -> {
                        await(root.removeChild(c.id()));
                        poolsUnder(c.old(), gone);
                        scaled.removeAll(gone); // a pool started again later starts at the file's size
                    }
                    case STARTED -> {
                        Map<String, Pool> built = new LinkedHashMap<>();
                        var spec = TreeBuilder.child(next, c.now(), built, listeners);
                        added.putAll(built);
                        // Visible before it starts, so a caller can wait for it as for any starting pool.
                        publishPools(next, added, gone);
                        await(owner(c.parent()).addChild(spec, c.after()));
                    }
                    case RESTARTED -> await(root.replaceChild(TreeBuilder.child(next, c.now(), new LinkedHashMap<>(), listeners)));
                    case CHANGED, ROLLED -> {
                        switch (c.now()) {
                            case SupervisorNode s -> await(owner(s.id()).updateSettings(TreeBuilder.strategyOf(s), TreeBuilder.intensityOf(s)));
                            // Returns at once: a roll goes on in the pool, one worker at a time (status shows it).
                            case PoolNode p -> pool(p.name()).reconfigure(TreeBuilder.poolSpec(next, p));
                            case ProcessNode p -> throw new IllegalStateException("a process is restarted, never changed in place: " + p.id());
                        }
                        scaled.remove(c.id());
                    }
                }
            } catch (RuntimeException e) {
                Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
                failures.add(c.kind().name().toLowerCase(Locale.ROOT) + " " + c.id() + ": " + cause.getMessage());
                LOG.error("reload: {} {} failed: {}", c.kind().name().toLowerCase(Locale.ROOT), c.id(), cause.getMessage());
            }
        }
        publishPools(next, added, gone);
        return failures;
    }

    /** The pool table in the new file's order: kept pools keep their handles, new ones get theirs. */
    private void publishPools(PoolyConfig next, Map<String, Pool> added, java.util.Set<String> gone) {
        Map<String, Pool> table = new LinkedHashMap<>();
        for (ChildNode n : next.nodes()) {
            if (!(n instanceof PoolNode p)) continue;
            Pool handle = added.containsKey(p.name()) ? added.get(p.name()) : gone.contains(p.name()) ? null : pools.get(p.name());
            if (handle != null) table.put(p.name(), handle);
        }
        pools.replaceAll(table);
    }

    private static void poolsUnder(ChildNode node, java.util.Set<String> into) {
        switch (node) {
            case PoolNode p -> into.add(p.name());
            case SupervisorNode s -> s.children().forEach(c -> poolsUnder(c, into));
            case ProcessNode p -> { }
        }
    }

    /**
     * {@code pooly scale}: resizes a running pool until the next reload (which puts the file's size
     * back) or the next start of the daemon. Serialised with reloads.
     */
    public ObjectNode scale(String name, int size, Integer maxOverflow) {
        lock.lock();
        try {
            Pool pool = pools.get(name);
            if (pool == null) return ControlServer.error(ExitCode.UNAVAILABLE, "no pool named '" + name + "'; pools: " + pools.keySet());
            if (size < 0 || (maxOverflow != null && maxOverflow < 0)) {
                return ControlServer.error(ExitCode.USAGE, "size and max_overflow must not be negative");
            }
            int overflow = maxOverflow == null ? pool.spec().maxOverflow() : maxOverflow;
            int wasSize = pool.spec().size();
            int wasOverflow = pool.spec().maxOverflow();
            pool.resize(size, overflow);
            scaled.add(name);
            LOG.info("scale {}: size {} -> {}, max_overflow {} -> {} (until the next reload)", name, wasSize, size, wasOverflow, overflow);
            return ControlServer.ok().put("pool", name).put("size", size).put("max_overflow", overflow)
                    .put("was_size", wasSize).put("was_max_overflow", wasOverflow);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Pools that {@code pooly scale} resized and the file leaves alone go back to the file's size: a KEPT
     * pool becomes a CHANGED one, and so does a scaled pool inside a KEPT supervisor (an unchanged
     * subtree reads as one kept supervisor, which once hid the pools in it: "nothing changed").
     */
    private ConfigDiff withScaledPoolsRestored(ConfigDiff diff) {
        if (scaled.isEmpty()) return diff;
        List<ConfigDiff.Change> changes = new ArrayList<>();
        for (ConfigDiff.Change c : diff.changes()) {
            if (c.kind() == ConfigDiff.Kind.KEPT && c.now() instanceof PoolNode && scaled.contains(c.id())) {
                changes.add(new ConfigDiff.Change(ConfigDiff.Kind.CHANGED, c.id(), c.parent(), null, c.old(), c.now()));
            } else {
                changes.add(c);
                if (c.kind() == ConfigDiff.Kind.KEPT && c.now() instanceof SupervisorNode s) scaledPoolsUnder(s, changes);
            }
        }
        return new ConfigDiff(changes, diff.daemonOnly());
    }

    /** A CHANGED for every scaled pool in the unchanged subtree {@code s} (its old node is the same as its new one). */
    private void scaledPoolsUnder(SupervisorNode s, List<ConfigDiff.Change> into) {
        for (ChildNode child : s.children()) {
            switch (child) {
                case PoolNode p when scaled.contains(p.name()) ->
                        into.add(new ConfigDiff.Change(ConfigDiff.Kind.CHANGED, p.id(), s.id(), null, p, p));
                case SupervisorNode sub -> scaledPoolsUnder(sub, into);
                default -> { }
            }
        }
    }

    private Pool pool(String name) {
        Pool pool = pools.get(name);
        if (pool == null) throw new IllegalStateException("pool " + name + " is not in the pool table");
        return pool;
    }

    private Supervisor owner(String supervisorId) {
        return root.supervisor(supervisorId).orElseThrow(() -> new IllegalStateException(
                "supervisor " + supervisorId + " is not running (stopped or restarting); start it and reload again"));
    }

    /** Waits for one step; a reload is never left half-applied by an interrupt (see the class comment). */
    private static void await(java.util.concurrent.CompletableFuture<Void> step) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    step.get(5, java.util.concurrent.TimeUnit.MINUTES);
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new java.util.concurrent.CompletionException(e.getCause());
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new IllegalStateException("did not finish within 5 minutes");
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    private static ObjectNode invalid(String cause, List<String> problems) {
        LOG.error("reload ({}): the config has {} problem(s); nothing was changed", cause, problems.size());
        for (String p : problems) LOG.error("  {}", p);
        ObjectNode reply = ControlServer.error(ExitCode.INVALID_CONFIG,
                "invalid config, nothing was changed:" + System.lineSeparator() + String.join(System.lineSeparator(), problems));
        ArrayNode list = reply.putArray("problems");
        problems.forEach(list::add);
        return reply;
    }

    static ObjectNode summary(ConfigDiff diff) {
        ObjectNode reply = ControlServer.ok();
        diff.byKind().forEach((kind, ids) -> {
            ArrayNode list = reply.putArray(kind.name().toLowerCase(Locale.ROOT));
            ids.forEach(list::add);
        });
        ArrayNode notes = reply.putArray("notes");
        diff.daemonOnly().forEach(notes::add);
        return reply;
    }
}
