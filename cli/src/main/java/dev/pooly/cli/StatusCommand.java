package dev.pooly.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pooly.cli.client.ControlClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
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

    @Override public Integer call() throws Exception {
        JsonNode status;
        try (ControlClient client = ControlClient.connect(socket.resolve())) {
            status = client.call(ControlClient.JSON.createObjectNode().put("op", "status")).get("status");
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(ControlClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(status));
        } else {
            printTree(out, status.get("tree"), "", true, true);
            out.println();
            printPools(out, status.get("pools"));
        }
        out.flush();
        return ExitCode.OK;
    }

    private static void printTree(PrintWriter out, JsonNode node, String indent, boolean last, boolean root) {
        String branch = root ? "" : (last ? "└─ " : "├─ ");
        String label = indent + branch + node.get("id").asText();
        StringBuilder line = new StringBuilder(String.format("%-36s %-10s %-10s", label, node.get("type").asText(), node.get("state").asText()));
        if (node.has("pid")) line.append(" pid ").append(node.get("pid").asLong());
        if (node.path("restarts").asInt() > 0) line.append(" restarts ").append(node.get("restarts").asInt());
        // The backoff countdown: "restarting in 3.2s".
        if (node.has("next_restart_ms")) line.append(String.format(java.util.Locale.ROOT, " in %.1fs", node.get("next_restart_ms").asLong() / 1000.0));
        if (node.has("last_error") && !"running".equals(node.get("state").asText())) line.append("  (").append(node.get("last_error").asText()).append(')');
        out.println(line.toString().stripTrailing());
        JsonNode children = node.path("children");
        String childIndent = root ? "" : indent + (last ? "   " : "│  ");
        for (int i = 0; i < children.size(); i++) {
            printTree(out, children.get(i), childIndent, i == children.size() - 1, false);
        }
    }

    private static void printPools(PrintWriter out, JsonNode pools) {
        if (pools.isEmpty()) {
            out.println("no pools");
            return;
        }
        String format = "%-16s %-9s %5s %5s %5s %9s %8s%n";
        out.printf(format, "POOL", "STATE", "SIZE", "IDLE", "BUSY", "OVERFLOW", "WAITING");
        for (JsonNode p : pools) {
            out.printf(format, p.get("name").asText(), p.get("state").asText(), p.get("size").asInt(), p.get("idle").asInt(),
                    p.get("busy").asInt(), p.get("overflow").asInt() + "/" + p.get("max_overflow").asInt(), p.get("waiting").asInt());
        }
    }
}
