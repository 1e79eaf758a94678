package dev.pooly.cli.daemon;

import dev.pooly.config.ChildNode;
import dev.pooly.config.PoolNode;
import dev.pooly.config.PoolyConfig;
import dev.pooly.config.ProcessNode;
import dev.pooly.config.SupervisorNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a reload changes: the running config against the new one, node by node, matched by id (a
 * pool by name). Where a node is in the file ({@code location}) is not part of it: moving a node
 * down a few lines changes nothing.
 *
 * <ul>
 *   <li>{@link Kind#KEPT}: the same node under the same parent; it keeps running untouched.</li>
 *   <li>{@link Kind#STOPPED}: gone from the file (or moved to another parent, or became another kind of node).</li>
 *   <li>{@link Kind#STARTED}: new in the file; {@code after} names the sibling it follows (null: first).</li>
 *   <li>{@link Kind#RESTARTED}: a process whose settings changed.</li>
 *   <li>{@link Kind#CHANGED}: a supervisor's strategy/intensity, or a pool's size, overflow, timeouts,
 *       strategy, max_uses, on_abandon, intensity, health or max_memory: applied in place.</li>
 *   <li>{@link Kind#ROLLED}: a pool whose worker settings (command, env, cwd, ready, shutdown, backoff) changed:
 *       its workers are replaced one at a time. A pool may be both CHANGED and ROLLED.</li>
 * </ul>
 *
 * Immutable and stateless; {@link #of} is a pure function.
 *
 * @param changes    in the order a reload applies them: for each supervisor, top-down, first its
 *                   removed children in reverse file order, then the others in file order
 * @param daemonOnly settings that only a restart of the daemon applies (control socket, logs), as messages
 */
public record ConfigDiff(List<Change> changes, List<String> daemonOnly) {

    public enum Kind { KEPT, STOPPED, STARTED, RESTARTED, CHANGED, ROLLED }

    /**
     * One thing a reload does.
     *
     * @param parent the supervisor the node is (or was) a child of
     * @param after  for STARTED, the id of the sibling it follows in the new file, or null for the first
     * @param old    the node as it runs (null for STARTED)
     * @param now    the node as the new file has it (null for STOPPED)
     */
    public record Change(Kind kind, String id, String parent, String after, ChildNode old, ChildNode now) {
        public Change {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(id, "id");
        }
    }

    public ConfigDiff {
        changes = List.copyOf(changes);
        daemonOnly = List.copyOf(daemonOnly);
    }

    /** Ids by kind, in change order, for the client's summary. */
    public Map<Kind, List<String>> byKind() {
        Map<Kind, List<String>> out = new LinkedHashMap<>();
        for (Kind k : Kind.values()) out.put(k, new ArrayList<>());
        for (Change c : changes) out.get(c.kind()).add(c.id());
        return out;
    }

    /** Whether nothing but KEPT: the reload has nothing to do. */
    public boolean isEmpty() {
        return changes.stream().allMatch(c -> c.kind() == Kind.KEPT);
    }

    public static ConfigDiff of(PoolyConfig running, PoolyConfig next) {
        List<String> daemonOnly = new ArrayList<>();
        if (!running.socket().equals(next.socket())) {
            daemonOnly.add("control.socket changed (" + running.socket() + " -> " + next.socket() + "): applies at the next daemon start");
        }
        if (!running.logs().equals(next.logs())) {
            daemonOnly.add("logs changed: applies to children started from now on only after a daemon restart");
        }
        Map<String, String> oldParents = new HashMap<>();
        Map<String, ChildNode> oldNodes = new HashMap<>();
        index(running.root(), oldParents, oldNodes);
        Map<String, String> newParents = new HashMap<>();
        Map<String, ChildNode> newNodes = new HashMap<>();
        index(next.root(), newParents, newNodes);

        List<Change> changes = new ArrayList<>();
        if (!running.root().id().equals(next.root().id())) {
            // A renamed root is a new tree; the daemon cannot swap its root, so say so.
            daemonOnly.add("the root supervisor's id changed (" + running.root().id() + " -> " + next.root().id()
                    + "): applies at the next daemon start");
            return new ConfigDiff(changes, daemonOnly);
        }
        supervisor(running.root(), next.root(), oldParents, oldNodes, newParents, changes);
        return new ConfigDiff(changes, daemonOnly);
    }

    private static void supervisor(SupervisorNode old, SupervisorNode now, Map<String, String> oldParents,
                                   Map<String, ChildNode> oldNodes, Map<String, String> newParents, List<Change> out) {
        // First the removed children, in reverse order, so they stop as a shutdown would stop them.
        List<ChildNode> olds = old.children();
        for (int i = olds.size() - 1; i >= 0; i--) {
            ChildNode o = olds.get(i);
            ChildNode n = find(now, o.id());
            if (n == null || !sameKind(o, n)) out.add(new Change(Kind.STOPPED, o.id(), old.id(), null, o, null));
        }
        String after = null;
        for (ChildNode n : now.children()) {
            ChildNode o = oldNodes.get(n.id());
            boolean sameParent = o != null && old.id().equals(oldParents.get(n.id()));
            if (!sameParent || !sameKind(o, n)) {
                out.add(new Change(Kind.STARTED, n.id(), now.id(), after, null, n));
            } else {
                compare(o, n, now.id(), oldParents, oldNodes, newParents, out);
            }
            after = n.id();
        }
        if (!sameSettings(old, now)) {
            out.add(new Change(Kind.CHANGED, now.id(), oldParents.get(now.id()), null, old, now));
        }
    }

    private static void compare(ChildNode o, ChildNode n, String parent, Map<String, String> oldParents,
                                Map<String, ChildNode> oldNodes, Map<String, String> newParents, List<Change> out) {
        switch (n) {
            case ProcessNode p -> {
                ProcessNode q = (ProcessNode) o;
                boolean same = p.command().equals(q.command()) && p.env().equals(q.env()) && p.cwd().equals(q.cwd())
                        && p.restart() == q.restart() && p.shutdown().equals(q.shutdown()) && p.ready().equals(q.ready())
                        && p.backoff().equals(q.backoff()) && java.util.Objects.equals(p.health(), q.health())
                        && p.maxMemory() == q.maxMemory();
                out.add(new Change(same ? Kind.KEPT : Kind.RESTARTED, p.id(), parent, null, o, n));
            }
            case PoolNode p -> {
                PoolNode q = (PoolNode) o;
                boolean workers = !workerSettingsEqual(p, q);
                boolean settings = !poolSettingsEqual(p, q);
                if (settings) out.add(new Change(Kind.CHANGED, p.id(), parent, null, o, n));
                if (workers) out.add(new Change(Kind.ROLLED, p.id(), parent, null, o, n));
                if (!settings && !workers) out.add(new Change(Kind.KEPT, p.id(), parent, null, o, n));
            }
            case SupervisorNode s -> {
                int before = out.size();
                supervisor((SupervisorNode) o, s, oldParents, oldNodes, newParents, out);
                boolean untouched = out.subList(before, out.size()).stream().allMatch(c -> c.kind() == Kind.KEPT);
                if (untouched) {
                    // A whole subtree unchanged reads as one line: the supervisor is kept.
                    out.subList(before, out.size()).clear();
                    out.add(new Change(Kind.KEPT, s.id(), parent, null, o, n));
                }
            }
        }
    }

    /** The settings a pool's workers are started with (their framing included): a change means new workers. */
    static boolean workerSettingsEqual(PoolNode a, PoolNode b) {
        return a.command().equals(b.command()) && a.env().equals(b.env()) && a.cwd().equals(b.cwd())
                && a.ready().equals(b.ready()) && a.shutdown().equals(b.shutdown()) && a.backoff().equals(b.backoff())
                && a.framing().equals(b.framing());
    }

    /** The settings a running pool can take in place. */
    static boolean poolSettingsEqual(PoolNode a, PoolNode b) {
        return a.size() == b.size() && a.maxOverflow() == b.maxOverflow() && a.strategy() == b.strategy()
                && a.checkoutTimeout().equals(b.checkoutTimeout()) && a.overflowTtl().equals(b.overflowTtl())
                && a.maxUses() == b.maxUses() && a.leaseTimeout().equals(b.leaseTimeout())
                && a.onAbandon() == b.onAbandon() && a.maxRestarts() == b.maxRestarts() && a.maxSeconds() == b.maxSeconds()
                && java.util.Objects.equals(a.health(), b.health()) && a.maxMemory() == b.maxMemory();
    }

    static boolean sameSettings(SupervisorNode a, SupervisorNode b) {
        return a.strategy() == b.strategy() && a.maxRestarts() == b.maxRestarts() && a.maxSeconds() == b.maxSeconds();
    }

    private static boolean sameKind(ChildNode a, ChildNode b) {
        return a.getClass() == b.getClass();
    }

    private static ChildNode find(SupervisorNode s, String id) {
        for (ChildNode c : s.children()) if (c.id().equals(id)) return c;
        return null;
    }

    private static void index(SupervisorNode s, Map<String, String> parents, Map<String, ChildNode> nodes) {
        nodes.put(s.id(), s);
        for (ChildNode c : s.children()) {
            parents.put(c.id(), s.id());
            nodes.put(c.id(), c);
            if (c instanceof SupervisorNode sub) index(sub, parents, nodes);
        }
    }
}
