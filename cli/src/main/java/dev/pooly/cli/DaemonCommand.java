package dev.pooly.cli;

import dev.pooly.cli.daemon.Daemon;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code pooly daemon -c FILE}. */
@Command(name = "daemon", mixinStandardHelpOptions = true,
        description = {"Runs the supervision tree of FILE in the foreground and serves its control socket.",
                "Logs one line per event on stderr. SIGTERM or SIGINT stops all children in reverse order and exits 0;",
                "the root supervisor giving up exits 1; an invalid config exits 65 before anything starts.",
                "", "Signals:",
                "  SIGHUP           re-read FILE and apply the difference, as `pooly reload` (a bad file changes nothing;",
                "                   its problems are logged and the daemon runs on)",
                "  SIGTERM, SIGINT  stop all children in reverse order, remove the control socket, exit 0"},
        footer = {"", "Example:", "  pooly daemon -c config/examples/pooly.yaml"})
final class DaemonCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", required = true, description = "The config file.")
    Path config;

    @Override public Integer call() {
        return Daemon.run(SocketOptions.load(config));
    }
}
