package dev.pooly.cli;

import dev.pooly.cli.client.ControlClient;
import dev.pooly.cli.client.Messages;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code pooly reload}: the daemon re-reads its config file and applies the difference. */
@Command(name = "reload", mixinStandardHelpOptions = true,
        description = {"Makes the daemon re-read its config file and apply the difference.",
                "As SIGHUP does, matched by id: unchanged children keep running untouched; removed ones stop (in reverse order); added ones start;",
                "a changed process restarts; a supervisor's strategy or intensity and a pool's size, overflow and timeouts",
                "change in place; a pool whose worker settings changed replaces its workers one at a time, each new one",
                "ready before the next old one goes. A config with any problem changes nothing: exit 65 with every",
                "problem as FILE:LINE:COLUMN. Prints what was kept, started, stopped, restarted, changed and rolled."},
        footerHeading = "%nExample:%n", footer = {"  pooly reload -c pooly.yaml"})
final class ReloadCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin SocketOptions socket;

    @Override public Integer call() {
        Map<String, Object> reply;
        try (ControlClient client = ControlClient.connect(socket.resolveForReload())) {
            reply = client.call(Messages.of("op", "reload"));
        }
        PrintWriter out = spec.commandLine().getOut();
        List<String> lines = new ArrayList<>();
        for (String kind : new String[] {"kept", "started", "stopped", "restarted", "changed", "rolled"}) {
            List<String> ids = strings(reply.get(kind));
            if (!ids.isEmpty()) lines.add(String.format("  %-10s %s", kind + ":", String.join(", ", ids)));
        }
        out.println(lines.stream().allMatch(l -> l.startsWith("  kept:")) ? "pooly: reloaded: nothing changed" : "pooly: reloaded");
        lines.forEach(out::println);
        strings(reply.get("notes")).forEach(n -> out.println("  note:      " + n));
        out.flush();
        return ExitCode.OK;
    }

    private static List<String> strings(Object array) {
        List<String> out = new ArrayList<>();
        if (array instanceof List<?> list) for (Object o : list) out.add(String.valueOf(o));
        return out;
    }
}
