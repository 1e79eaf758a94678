package dev.pooly.cli;

import dev.pooly.cli.client.ControlClient;
import dev.pooly.cli.client.Messages;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.Map;
import java.util.concurrent.Callable;

/** {@code pooly scale POOL SIZE [--max-overflow N]}. */
@Command(name = "scale", mixinStandardHelpOptions = true,
        description = {"Resizes a running pool until the next reload.",
                "Growing starts workers; shrinking dismisses idle workers at once and busy ones when they are checked in (no lease is cut short). The change lasts until the next",
                "`pooly reload` (or SIGHUP), which puts the config file's size back, or the next daemon start."},
        footerHeading = "%nExamples:%n", footer = {"  pooly scale upper 8 -c pooly.yaml", "  pooly scale upper 2 --max-overflow 0 -c pooly.yaml"})
final class ScaleCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin SocketOptions socket;

    @Parameters(index = "0", paramLabel = "POOL", description = "The pool's name.")
    String pool;

    @Parameters(index = "1", paramLabel = "SIZE", description = "Workers kept running (0 or more).")
    int size;

    @Option(names = "--max-overflow", paramLabel = "N", description = "Extra workers started on demand (default: unchanged).")
    Integer maxOverflow;

    @Override public Integer call() {
        if (size < 0 || (maxOverflow != null && maxOverflow < 0)) {
            throw new CliException(ExitCode.USAGE, "SIZE and --max-overflow must not be negative");
        }
        Map<String, Object> request = maxOverflow == null ? Messages.of("op", "scale", "pool", pool, "size", size)
                : Messages.of("op", "scale", "pool", pool, "size", size, "max_overflow", maxOverflow);
        Map<String, Object> reply;
        try (ControlClient client = ControlClient.connect(socket.resolve())) {
            reply = client.call(request);
        }
        spec.commandLine().getOut().printf("pooly: %s: size %d -> %d, max_overflow %d -> %d (until the next reload)%n", pool,
                Messages.number(reply, "was_size", -1), Messages.number(reply, "size", -1),
                Messages.number(reply, "was_max_overflow", -1), Messages.number(reply, "max_overflow", -1));
        spec.commandLine().getOut().flush();
        return ExitCode.OK;
    }
}
