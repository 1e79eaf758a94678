package dev.pooly.testcontainers;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The daemon's {@code pooly status --json} (the contract's section 3), typed: the pools and the
 * supervision tree. Fields the contract does not name are kept in {@link #json()}. Immutable.
 *
 * @param pools every pool, in config order
 * @param tree  the root supervisor and everything under it
 * @param json  the document as the daemon sent it
 */
public record PoolyStatus(List<Pool> pools, Node tree, JsonNode json) {

    public PoolyStatus {
        pools = List.copyOf(pools);
        json = json.deepCopy(); // a private copy: JsonNode is mutable
    }

    /** The document as the daemon sent it: a fresh copy each time, since a {@link JsonNode} is mutable. */
    @Override public JsonNode json() {
        return json.deepCopy();
    }

    /** Reads the JSON that {@code pooly status --json} prints. */
    public static PoolyStatus of(JsonNode json) {
        List<Pool> pools = new ArrayList<>();
        for (JsonNode p : json.path("pools")) pools.add(Pool.of(p));
        return new PoolyStatus(pools, Node.of(json.path("tree")), json);
    }

    /** The pool named {@code name}; {@link NoSuchElementException} naming the pools there are otherwise. */
    public Pool pool(String name) {
        return pools.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow(() -> new NoSuchElementException(
                "no pool named '" + name + "'; pools: " + pools.stream().map(Pool::name).toList()));
    }

    /** The tree node with this id (a process, supervisor, pool, NAME.workers, NAME.server or worker NAME-N). */
    public Node node(String id) {
        return tree.find(id).orElseThrow(() -> new NoSuchElementException("no node '" + id + "' in the tree"));
    }

    /**
     * One pool. {@code state} is poolboy's: {@code ready}, {@code overflow} or {@code full}.
     *
     * @param busy     workers checked out
     * @param overflow overflow workers alive
     * @param waiting  callers queued for a worker
     */
    public record Pool(String name, String state, int size, int maxOverflow, int idle, int busy, int overflow,
                       int waiting, List<Worker> workers) {
        public Pool {
            workers = List.copyOf(workers);
        }

        static Pool of(JsonNode p) {
            List<Worker> workers = new ArrayList<>();
            for (JsonNode w : p.path("workers")) {
                workers.add(new Worker(w.path("pid").asLong(), w.path("state").asText(), w.path("uses").asInt()));
            }
            return new Pool(p.path("name").asText(), p.path("state").asText(), p.path("size").asInt(),
                    p.path("max_overflow").asInt(), p.path("idle").asInt(), p.path("busy").asInt(),
                    p.path("overflow").asInt(), p.path("waiting").asInt(), workers);
        }

        /** The pids of its workers, in the daemon's order. */
        public List<Long> pids() {
            return workers.stream().map(Worker::pid).toList();
        }
    }

    /** One worker of a pool: {@code state} is {@code starting}, {@code idle}, {@code busy} or {@code stopping}. */
    public record Worker(long pid, String state, int uses) {}

    /**
     * One node of the supervision tree. {@code type} is {@code supervisor}, {@code process},
     * {@code pool}, {@code service} or {@code worker}; {@code state} is {@code starting},
     * {@code running}, {@code restarting}, {@code stopped} or {@code failed}; {@code pid} is 0 for
     * nodes that are not OS processes.
     */
    public record Node(String id, String type, String state, long pid, int restarts, List<Node> children) {
        public Node {
            children = List.copyOf(children);
        }

        static Node of(JsonNode n) {
            List<Node> children = new ArrayList<>();
            for (JsonNode c : n.path("children")) children.add(of(c));
            return new Node(n.path("id").asText(), n.path("type").asText(), n.path("state").asText(),
                    n.path("pid").asLong(0), n.path("restarts").asInt(), children);
        }

        /** This node and all below it, depth first. */
        public Stream<Node> stream() {
            return Stream.concat(Stream.of(this), children.stream().flatMap(Node::stream));
        }

        /** The node with this id at or below this one. */
        public Optional<Node> find(String id) {
            return stream().filter(n -> n.id().equals(id)).findFirst();
        }
    }
}
