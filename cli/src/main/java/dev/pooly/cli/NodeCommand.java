package dev.pooly.cli;

import dev.pooly.cli.client.ControlClient;
import dev.pooly.cli.client.Messages;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code pooly start|stop|restart|kill ID}: one request about one node of the tree. */
abstract class NodeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin SocketOptions socket;

    @Parameters(paramLabel = "ID", description = "A node of the tree: a process, supervisor, pool (NAME), its workers "
            + "supervisor (NAME.workers), its server (NAME.server) or a worker (NAME-N).")
    String id;

    abstract String op();

    @Override public Integer call() {
        try (ControlClient client = ControlClient.connect(socket.resolve())) {
            client.call(Messages.of("op", op(), "id", id));
        }
        spec.commandLine().getOut().println("pooly: " + op() + " " + id + ": done");
        return ExitCode.OK;
    }

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Starts a stopped node.",
            footerHeading = "%nExample:%n", footer = {"  pooly start cache -c pooly.yaml"})
    static final class Start extends NodeCommand {
        @Override String op() { return "start"; }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = {"Stops a node and its whole process tree.", "It stays stopped until `pooly start`."},
            footerHeading = "%nExample:%n", footer = {"  pooly stop cache -c pooly.yaml"})
    static final class Stop extends NodeCommand {
        @Override String op() { return "stop"; }
    }

    @Command(name = "restart", mixinStandardHelpOptions = true,
            description = {"Stops and starts a node.", "Not counted against restart intensity."},
            footerHeading = "%nExample:%n", footer = {"  pooly restart upper -c pooly.yaml"})
    static final class Restart extends NodeCommand {
        @Override String op() { return "restart"; }
    }

    @Command(name = "kill", mixinStandardHelpOptions = true,
            description = {"Crashes a node as if it died abnormally to watch the tree heal.",
                    "A process or worker gets SIGKILL; a supervisor or pool is torn down at once and reported to its parent as crashed."},
            footerHeading = "%nExamples:%n", footer = {"  pooly kill upper-1 -c pooly.yaml        # a worker", "  pooly kill upper.workers -c pooly.yaml  # its supervisor",
                    "  pooly kill upper -c pooly.yaml          # the whole pool"})
    static final class Kill extends NodeCommand {
        @Override String op() { return "kill"; }
    }
}
