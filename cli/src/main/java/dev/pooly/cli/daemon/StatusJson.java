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
        ObjectNode status = JSON.objectNode();
        // How the daemon contains its processes' descendants: "cgroup" or "session-tracking".
        status.put("containment", dev.pooly.supervisor.SupervisionTree.containment());
        ArrayNode poolArray = status.putArray("pools");
        for (Pool pool : pools.values()) poolArray.add(pool(pool.status()));
        status.set("tree", node(tree, pools, false));
        return status;
    }

    static ObjectNode pool(PoolStatus s) {
        ObjectNode p = JSON.objectNode();
        p.put("name", s.name());
        p.put("state", lower(s.state()));
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
        }
        if (s.lastError() != null) p.put("last_error", s.lastError());
        return p;
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
