package dev.pooly.cli;

import dev.pooly.cli.client.ControlClient;
import dev.pooly.cli.client.Messages;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code pooly logs ID [-f] [-n N]}. */
@Command(name = "logs", mixinStandardHelpOptions = true,
        description = {"Prints and follows the log of a process or of a pool's workers.",
                "The last lines of a process's log (its stdout on stdout, its stderr on stderr) or of a pool's workers (their stderr), and with -f follows what they write, across log rotations, until Ctrl-C."},
        footerHeading = "%nExamples:%n", footer = {"  pooly logs clock -c pooly.yaml", "  pooly logs upper -f -n 0 -c pooly.yaml"})
final class LogsCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin SocketOptions socket;

    @Parameters(paramLabel = "ID", description = "A process id or a pool name.")
    String id;

    @Option(names = {"-f", "--follow"}, description = "Keep printing what is appended.")
    boolean follow;

    @Option(names = {"-n", "--lines"}, paramLabel = "N", defaultValue = "10", description = "How many last lines to print first (default: ${DEFAULT-VALUE}).")
    int lines;

    @Override public Integer call() {
        if (lines < 0) throw new CliException(ExitCode.USAGE, "-n must not be negative");
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (ControlClient client = ControlClient.connect(socket.resolve())) {
            client.call(Messages.of("op", "logs", "id", id, "lines", lines, "follow", follow));
            while (true) {
                Map<String, Object> message;
                try {
                    message = client.receive();
                } catch (CliException closed) {
                    if (follow) return ExitCode.OK; // the daemon went away
                    throw closed;
                }
                if (message.containsKey("end")) break;
                PrintWriter to = "err".equals(Messages.text(message, "stream", "out")) ? err : out;
                to.println(Messages.text(message, "line", ""));
                if (!client.ready()) {
                    out.flush();
                    err.flush();
                }
            }
        }
        out.flush();
        return ExitCode.OK;
    }
}
