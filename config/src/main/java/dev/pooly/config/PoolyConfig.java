package dev.pooly.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A whole, valid {@code pooly.yaml}: one supervision tree and the daemon's settings, with every
 * default applied and every path resolved against the file's directory. Obtained from
 * {@link ConfigLoader}. Immutable.
 *
 * @param version the config format's version; always 1
 * @param file    the file as the user named it, for messages ({@link ConfigProblem#at})
 * @param baseDir the file's directory, absolute; relative paths in the file start here
 * @param socket  {@code control.socket}, absolute
 * @param root    the root supervisor
 * @param metrics {@code metrics.listen}, or empty: no HTTP listener at all
 * @param drain   {@code shutdown.drain}: how long open leases may finish after SIGTERM or {@code pooly shutdown}
 * @param log     {@code log}: the daemon's own log level and format
 */
public record PoolyConfig(int version, Path file, Path baseDir, Path socket, LogSettings logs, SupervisorNode root,
                          Optional<MetricsSettings> metrics, Duration drain, DaemonLogSettings log) {

    /** The default for {@code shutdown.drain}. */
    public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(30);

    /** A config without a metrics listener and with the default drain. */
    public PoolyConfig(int version, Path file, Path baseDir, Path socket, LogSettings logs, SupervisorNode root) {
        this(version, file, baseDir, socket, logs, root, Optional.empty(), DEFAULT_DRAIN, DaemonLogSettings.DEFAULT);
    }

    /** A config with the default {@code log} section. */
    public PoolyConfig(int version, Path file, Path baseDir, Path socket, LogSettings logs, SupervisorNode root,
                       Optional<MetricsSettings> metrics, Duration drain) {
        this(version, file, baseDir, socket, logs, root, metrics, drain, DaemonLogSettings.DEFAULT);
    }

    public PoolyConfig {
        if (version != 1) throw new IllegalArgumentException("unsupported config version " + version);
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(baseDir, "baseDir");
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(logs, "logs");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(drain, "drain");
        Objects.requireNonNull(log, "log");
        if (drain.isNegative()) throw new IllegalArgumentException("drain must not be negative: " + drain);
    }

    /** Every node of the tree, the root first, then depth-first in file order. */
    public List<ChildNode> nodes() {
        List<ChildNode> nodes = new ArrayList<>();
        collect(root, nodes);
        return List.copyOf(nodes);
    }

    /** The node with this id (or pool name), anywhere in the tree. */
    public Optional<ChildNode> find(String id) {
        return nodes().stream().filter(node -> node.id().equals(id)).findFirst();
    }

    private static void collect(ChildNode node, List<ChildNode> into) {
        into.add(node);
        if (node instanceof SupervisorNode supervisor) {
            supervisor.children().forEach(child -> collect(child, into));
        }
    }
}
