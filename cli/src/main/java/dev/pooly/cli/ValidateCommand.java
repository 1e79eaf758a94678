package dev.pooly.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code pooly validate -c FILE}. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Checks a config file and lists every problem in it.",
                "Exit 0, or 65 with one `FILE:LINE:COLUMN: message` line per problem."},
        footerHeading = "%nExample:%n", footer = {"  pooly validate -c pooly.yaml"})
final class ValidateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", required = true, description = "The config file.")
    Path config;

    @Override public Integer call() {
        var loaded = SocketOptions.load(config);
        spec.commandLine().getOut().println(config + ": ok (" + loaded.nodes().size() + " nodes)");
        return ExitCode.OK;
    }
}
