package dev.pooly.cli;

import dev.pooly.config.ConfigException;
import dev.pooly.config.ConfigLoader;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** Where the daemon listens: {@code -s PATH}, else the config's {@code control.socket}, else {@code $POOLY_SOCKET}, else {@code ./pooly.sock}. */
public final class SocketOptions {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Config file; its control.socket is used.")
    Path config;

    @Option(names = {"-s", "--socket"}, paramLabel = "PATH", description = "Control socket (default: $POOLY_SOCKET, else ./pooly.sock).")
    Path socket;

    Path resolve() {
        if (socket != null) return socket;
        if (config != null) return load(config).socket();
        String env = System.getenv("POOLY_SOCKET");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of("pooly.sock");
    }

    /**
     * As {@link #resolve}, but a config with problems still names its socket when its YAML can be
     * read at all: {@code pooly reload} must reach the daemon to have it log the problems (and the
     * daemon, not this client, is the one that decides nothing changes). Throws the config's problems
     * (exit 65) only when no socket can be found.
     */
    Path resolveForReload() {
        if (socket != null || config == null) return resolve();
        try {
            return resolve();
        } catch (CliException invalid) {
            try {
                var tree = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(config.toFile());
                String named = tree == null ? "" : tree.path("control").path("socket").asText("");
                Path dir = config.toAbsolutePath().getParent();
                return dir.resolve(named.isEmpty() ? "pooly.sock" : named).normalize();
            } catch (IOException | RuntimeException unreadable) {
                throw invalid;
            }
        }
    }

    /** Loads and validates a config; bad config is exit 65 with every problem listed. */
    static dev.pooly.config.PoolyConfig load(Path file) {
        try {
            return ConfigLoader.load(file);
        } catch (ConfigException e) {
            StringBuilder all = new StringBuilder("invalid config:");
            for (var p : e.problems()) all.append(System.lineSeparator()).append(p);
            throw new CliException(ExitCode.INVALID_CONFIG, all.toString());
        } catch (IOException e) {
            throw new CliException(ExitCode.INVALID_CONFIG, file + ":1:1: cannot read the config: " + e.getMessage());
        }
    }
}
