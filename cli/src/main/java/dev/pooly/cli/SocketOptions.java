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
