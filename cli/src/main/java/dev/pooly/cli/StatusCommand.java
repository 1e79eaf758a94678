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

/** {@code pooly status [--json]}. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Shows the supervision tree and the pools: a tree and a table for people, JSON (--json) for scripts.",
        footer = {"", "Examples:", "  pooly status -c pooly.yaml", "  pooly status --json -c pooly.yaml | jq '.pools[].idle'"})
final class StatusCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin SocketOptions socket;

    @Option(names = "--json", description = "Print the status as JSON (the contract's fields).")
    boolean json;

    @Override public Integer call() {
        return run(spec.commandLine().getOut());
    }

    /** Runs the command with its output on {@code out}, for picocli and for {@link FastPath}. */
    int run(PrintWriter out) {
        Map<String, Object> status;
        try (ControlClient client = ControlClient.connect(socket.resolve())) {
            status = Messages.object(client.call(Messages.of("op", "status")), "status");
        }
        if (json) {
            out.println(Messages.pretty(status));
        } else {
            printTree(out, Messages.object(status, "tree"), "", true, true);
            out.println();
            printPools(out, Messages.objects(status, "pools"));
        }
        out.flush();
        return ExitCode.OK;
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
        String format = "%-16s %-9s %5s %5s %5s %9s %8s%n";
        out.printf(format, "POOL", "STATE", "SIZE", "IDLE", "BUSY", "OVERFLOW", "WAITING");
        for (Map<String, Object> p : pools) {
            out.printf(format, Messages.text(p, "name", "?"), Messages.text(p, "state", "?"), Messages.number(p, "size", 0),
                    Messages.number(p, "idle", 0), Messages.number(p, "busy", 0),
                    Messages.number(p, "overflow", 0) + "/" + Messages.number(p, "max_overflow", 0), Messages.number(p, "waiting", 0));
        }
    }
}
