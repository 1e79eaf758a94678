package dev.pooly.cli;

import dev.pooly.cli.client.ControlClient;
import dev.pooly.cli.client.Messages;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code pooly shutdown}. */
@Command(name = "shutdown", mixinStandardHelpOptions = true,
        description = {"Stops the daemon as SIGTERM would.", "All children stop in reverse order, then the daemon exits 0."},
        footerHeading = "%nExample:%n", footer = {"  pooly shutdown -c pooly.yaml"})
final class ShutdownCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin SocketOptions socket;

    @Override public Integer call() {
        try (ControlClient client = ControlClient.connect(socket.resolve())) {
            client.call(Messages.of("op", "shutdown"));
        }
        spec.commandLine().getOut().println("pooly: shutting down");
        return ExitCode.OK;
    }
}
