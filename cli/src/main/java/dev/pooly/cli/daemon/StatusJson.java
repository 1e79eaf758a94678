package dev.pooly.cli.daemon;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pooly.pool.Pool;
import dev.pooly.pool.PoolStatus;
import dev.pooly.supervisor.NodeStatus;

import java.util.Locale;
import java.util.Map;

/**
 * The contract's status JSON (section 3): {@code containment}, {@code pools} and {@code tree}. Node types are
 * {@code supervisor}, {@code process}, {@code pool} (a pool's supervisor), {@code service} (a pool's
 * server) and {@code worker}. Stateless.
 */
public final class StatusJson {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private StatusJson() {}

    public static ObjectNode of(NodeStatus tree, Map<String, Pool> pools) {
        return of(tree, pools, false);
    }

    /** @param draining the daemon lends no more workers: every pool's state is {@code draining} */
    public static ObjectNode of(NodeStatus tree, Map<String, Pool> pools, boolean draining) {
        ObjectNode status = JSON.objectNode();
        // How the daemon contains its processes' descendants: "cgroup" or "session-tracking".
        status.put("containment", dev.pooly.supervisor.SupervisionTree.containment());
        // With cgroups, how a new child reaches its cgroup: "clone_into_cgroup" (born there) or "migrate".
        if ("cgroup".equals(dev.pooly.supervisor.SupervisionTree.containment())) {
            status.put("cgroup_placement", dev.pooly.supervisor.SupervisionTree.cgroupPlacement());
        }
        ArrayNode poolArray = status.putArray("pools");
        for (Pool pool : pools.values()) {
            ObjectNode p = pool(pool.status(), tree.find(pool.name()).orElse(null));
            if (draining) p.put("state", "draining");
            poolArray.add(p);
        }
        status.set("tree", node(tree, pools, false));
        return status;
    }

    static ObjectNode pool(PoolStatus s) {
        return pool(s, null);
    }

    /**
     * A pool's entry. {@code node} (the pool's subtree, or null) says what the pool's own counters
     * cannot: {@code stopped} (stopped by `pooly stop`, or its supervisor gave up), {@code starting}
     * (its subtree or its first workers still starting), and the pool's restarts (of its subtree).
     */
    static ObjectNode pool(PoolStatus s, NodeStatus node) {
        ObjectNode p = JSON.objectNode();
        p.put("name", s.name());
        p.put("state", poolState(s, node));
        if (node != null) p.put("restarts", restarts(node));
        p.put("size", s.size());
        p.put("max_overflow", s.maxOverflow());
        p.put("idle", s.idle());
        p.put("busy", s.busy());
        p.put("overflow", s.overflow());
        p.put("waiting", s.waiting());
        p.put("starting", s.starting());
        ArrayNode workers = p.putArray("workers");
        for (PoolStatus.Worker w : s.workers()) {
            ObjectNode worker = workers.addObject();
            worker.put("pid", w.pid());
            worker.put("state", lower(w.state()));
            worker.put("uses", w.uses());
            if (w.id() != null) worker.put("id", w.id());
            if (w.index() >= 0) worker.put("index", w.index());
            if (w.pid() > 0) {
                // Read from /proc for display only: nothing is ever signalled from these numbers.
                ProcessHandle.of(w.pid()).flatMap(h -> h.info().startInstant()).ifPresent(started ->
                        worker.put("age_ms", Math.max(0, java.time.Duration.between(started, java.time.Instant.now()).toMillis())));
                long rss = rssBytes(w.pid());
                if (rss >= 0) worker.put("rss_bytes", rss);
            }
        }
        if (s.lastError() != null) p.put("last_error", s.lastError());
        if (s.lastExit() != null) p.put("last_exit", s.lastExit().reason().label());
        return p;
    }

    private static String poolState(PoolStatus s, NodeStatus node) {
        if (node != null && (node.state() == NodeStatus.State.STOPPED || node.state() == NodeStatus.State.FAILED)) return "stopped";
        if (node != null && node.state() != NodeStatus.State.RUNNING) return "starting";
        if (s.idle() == 0 && s.busy() == 0 && s.starting() > 0) return "starting";
        if (s.lastError() != null && s.lastError().endsWith("is not running")) return "starting";
        return lower(s.state());
    }

    /** Restarts of the pool's subtree: the pool itself, its workers supervisor and its server. */
    private static int restarts(NodeStatus node) {
        int n = node.restarts();
        for (NodeStatus c : node.children()) if (c.type() != NodeStatus.Type.PROCESS) n += c.restarts();
        return n;
    }

    /** Resident memory from /proc/PID/statm, or -1 when it cannot be read (gone, or not Linux). */
    static long rssBytes(long pid) {
        try {
            String[] fields = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", Long.toString(pid), "statm")).trim().split(" ");
            return Long.parseLong(fields[1]) * 4096L;
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    private static ObjectNode node(NodeStatus n, Map<String, Pool> pools, boolean underWorkers) {
        ObjectNode node = JSON.objectNode();
        node.put("id", n.id());
        node.put("type", type(n, pools, underWorkers));
        node.put("state", lower(n.state()));
        if (n.pid() > 0) node.put("pid", n.pid());
        node.put("restarts", n.restarts());
        if (n.lastError() != null) node.put("last_error", n.lastError());
        if (n.nextRestartMs() > 0) node.put("next_restart_ms", n.nextRestartMs());
        if (n.lastExit() != null) node.put("last_exit", n.lastExit().label());
        if (n.type() == NodeStatus.Type.SUPERVISOR) {
            boolean workers = n.id().endsWith(".workers") && pools.containsKey(n.id().substring(0, n.id().length() - ".workers".length()));
            ArrayNode children = node.putArray("children");
            for (NodeStatus c : n.children()) children.add(node(c, pools, workers));
        }
        return node;
    }

    private static String type(NodeStatus n, Map<String, Pool> pools, boolean underWorkers) {
        return switch (n.type()) {
            case SUPERVISOR -> pools.containsKey(n.id()) ? "pool" : "supervisor";
            case SERVICE -> "service";
            case PROCESS -> underWorkers ? "worker" : "process";
        };
    }

    static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
