package dev.pooly.cli;

import dev.pooly.cli.daemon.Daemon;
import dev.pooly.cli.daemon.DaemonLog;
import dev.pooly.config.DaemonLogSettings;
import dev.pooly.config.PoolyConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code pooly daemon -c FILE}. */
@Command(name = "daemon", mixinStandardHelpOptions = true,
        description = {"Runs the supervision tree of FILE in the foreground and serves its control socket.",
                "Logs one line per event on stderr (log.level, log.format in FILE). SIGTERM or SIGINT stops all children in reverse order and exits 0;",
                "the root supervisor giving up exits 1; an invalid config exits 65 before anything starts.",
                "", "Signals:",
                "  SIGHUP           re-read FILE and apply the difference, as `pooly reload` (a bad file changes nothing;",
                "                   its problems are logged and the daemon runs on)",
                "  SIGTERM, SIGINT  stop all children in reverse order, remove the control socket, exit 0"},
        footerHeading = "%nExample:%n", footer = {"  pooly daemon -c config/examples/pooly.yaml"})
final class DaemonCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", required = true, description = "The config file.")
    Path config;

    @Option(names = "--log-level", paramLabel = "LEVEL", converter = LevelConverter.class,
            description = "error, warn, info or debug: overrides log.level of FILE (default: info; debug logs every lease).")
    DaemonLogSettings.Level logLevel;

    @Override public Integer call() {
        // The flag counts from the first line on, even for problems found while reading FILE.
        if (logLevel != null) DaemonLog.apply(new DaemonLogSettings(logLevel, DaemonLogSettings.Format.TEXT));
        PoolyConfig loaded = SocketOptions.load(config);
        DaemonLogSettings log = loaded.log();
        DaemonLog.apply(logLevel == null ? log : new DaemonLogSettings(logLevel, log.format()));
        return Daemon.run(loaded);
    }

    /** The config's words, and nothing else: {@code --log-level verbose} is a usage error (64) that lists them. */
    static final class LevelConverter implements picocli.CommandLine.ITypeConverter<DaemonLogSettings.Level> {
        @Override public DaemonLogSettings.Level convert(String value) {
            for (DaemonLogSettings.Level level : DaemonLogSettings.Level.values()) {
                if (level.configName().equals(value)) return level;
            }
            throw new picocli.CommandLine.TypeConversionException("unknown log level '" + value + "'; expected error, warn, info or debug");
        }
    }
}
