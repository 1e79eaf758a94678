package dev.pooly.cli;

import dev.pooly.cli.client.ControlClient;
import dev.pooly.cli.client.Messages;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code pooly status [POOL] [--json]}. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Shows the supervision tree and the pools.",
                "A tree and a table for people, JSON (--json) for scripts.",
                "With POOL: that pool's line and its workers (pid, state, uses, age, resident memory)."},
        footerHeading = "%nExamples:%n", footer = {"  pooly status -c pooly.yaml", "  pooly status upper -c pooly.yaml",
                "  pooly status --json -c pooly.yaml | jq '.pools[].idle'"})
final class StatusCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin SocketOptions socket;

    @Option(names = "--json", description = "Print the status as JSON (its fields: docs/commands.md).")
    boolean json;

    @Option(names = "--names", paramLabel = "pools|nodes",
            description = "Print only the pools' names (pools) or every node id of the tree (nodes), one per line, for scripts and shell completion.")
    String names;

    @picocli.CommandLine.Parameters(arity = "0..1", paramLabel = "POOL", description = "Show only this pool, with its workers.")
    String pool;

    @Override public Integer call() {
        return run(spec.commandLine().getOut());
    }

    /** Runs the command with its output on {@code out}, for picocli and for {@link FastPath}. */
    int run(PrintWriter out) {
        if (names != null && !names.equals("pools") && !names.equals("nodes")) {
            throw new CliException(ExitCode.USAGE, "--names takes 'pools' or 'nodes', not '" + names + "'");
        }
        Map<String, Object> status;
        try (ControlClient client = ControlClient.connect(socket.resolve())) {
            status = Messages.object(client.call(Messages.of("op", "status")), "status");
        }
        if (names != null) {
            if (names.equals("pools")) {
                for (Map<String, Object> p : Messages.objects(status, "pools")) out.println(Messages.text(p, "name", ""));
            } else {
                printIds(out, Messages.object(status, "tree"));
            }
        } else if (pool != null) {
            Map<String, Object> one = Messages.objects(status, "pools").stream()
                    .filter(p -> pool.equals(Messages.text(p, "name", ""))).findFirst()
                    .orElseThrow(() -> new CliException(ExitCode.UNAVAILABLE, "no pool named '" + pool + "'"));
            if (json) {
                out.println(Messages.pretty(one));
            } else {
                printPools(out, List.of(one));
                out.println();
                printWorkers(out, Messages.objects(one, "workers"));
            }
        } else if (json) {
            out.println(Messages.pretty(status));
        } else {
            printTree(out, Messages.object(status, "tree"), "", true, true);
            out.println();
            printPools(out, Messages.objects(status, "pools"));
        }
        out.flush();
        return ExitCode.OK;
    }

    /** The tree's node ids, depth first: the root, supervisors, processes, pools, their workers. */
    private static void printIds(PrintWriter out, Map<String, Object> node) {
        out.println(Messages.text(node, "id", ""));
        for (Map<String, Object> child : Messages.objects(node, "children")) printIds(out, child);
    }

    private static void printTree(PrintWriter out, Map<String, Object> node, String indent, boolean last, boolean root) {
        String branch = root ? "" : (last ? "└─ " : "├─ ");
        String label = indent + branch + Messages.text(node, "id", "?");
        String state = Messages.text(node, "state", "?");
        StringBuilder line = new StringBuilder(String.format("%-36s %-10s %-10s", label, Messages.text(node, "type", "?"), state));
        if (node.containsKey("pid")) line.append(" pid ").append(Messages.number(node, "pid", -1));
        long restarts = Messages.number(node, "restarts", 0);
        if (restarts > 0) line.append(" restarts ").append(restarts);
        // The backoff countdown: "restarting  restarts 5 in 3.2s".
        if (node.containsKey("next_restart_ms")) {
            line.append(String.format(java.util.Locale.ROOT, " in %.1fs", Messages.number(node, "next_restart_ms", 0) / 1000.0));
        }
        // Why its last run ended (crash, health, memory, ...), after the countdown so that reads first.
        if (node.containsKey("last_exit")) line.append(" last exit ").append(shorten(Messages.text(node, "last_exit", ""), 20));
        if (node.containsKey("last_error") && !"running".equals(state)) line.append("  (").append(Messages.text(node, "last_error", "")).append(')');
        out.println(line.toString().stripTrailing());
        List<Map<String, Object>> children = Messages.objects(node, "children");
        String childIndent = root ? "" : indent + (last ? "   " : "│  ");
        for (int i = 0; i < children.size(); i++) {
            printTree(out, children.get(i), childIndent, i == children.size() - 1, false);
        }
    }

    private static void printPools(PrintWriter out, List<Map<String, Object>> pools) {
        if (pools.isEmpty()) {
            out.println("no pools");
            return;
        }
        String format = "%-16s %-9s %5s %5s %5s %9s %8s %8s  %-15s %s%n";
        out.printf(format, "POOL", "STATE", "SIZE", "IDLE", "BUSY", "OVERFLOW", "WAITING", "RESTARTS", "LAST EXIT", "LAST ERROR");
        for (Map<String, Object> p : pools) {
            out.printf(format, Messages.text(p, "name", "?"), Messages.text(p, "state", "?"), Messages.number(p, "size", 0),
                    Messages.number(p, "idle", 0), Messages.number(p, "busy", 0),
                    Messages.number(p, "overflow", 0) + "/" + Messages.number(p, "max_overflow", 0), Messages.number(p, "waiting", 0),
                    Messages.number(p, "restarts", 0), Messages.text(p, "last_exit", "-"), shorten(Messages.text(p, "last_error", "-"), 60));
        }
    }

    private static void printWorkers(PrintWriter out, List<Map<String, Object>> workers) {
        String format = "%-20s %4s %8s %-9s %6s %9s %10s%n";
        out.printf(format, "WORKER", "SLOT", "PID", "STATE", "USES", "AGE", "RSS");
        for (Map<String, Object> w : workers) {
            long pid = Messages.number(w, "pid", 0);
            long age = Messages.number(w, "age_ms", -1);
            long rss = Messages.number(w, "rss_bytes", -1);
            long slot = Messages.number(w, "index", -1);
            out.printf(format, shorten(Messages.text(w, "id", "-"), 20), slot < 0 ? "-" : Long.toString(slot),
                    pid == 0 ? "-" : Long.toString(pid), Messages.text(w, "state", "?"), Messages.number(w, "uses", 0),
                    age < 0 ? "-" : age < 60_000 ? age / 1000 + "s" : age < 3_600_000 ? age / 60_000 + "m" : age / 3_600_000 + "h",
                    rss < 0 ? "-" : rss / 1024 + " KiB");
        }
    }

    /** One line of at most {@code max} characters: a long error keeps its start, which names the failure. */
    static String shorten(String text, int max) {
        String line = text.replace('\n', ' ').replace('\r', ' ');
        return line.length() <= max ? line : line.substring(0, max - 1) + "…";
    }
}
