package dev.pooly.cli.daemon;

import dev.pooly.cli.ExitCode;
import dev.pooly.config.PoolyConfig;
import dev.pooly.supervisor.ChildStartException;
import dev.pooly.supervisor.ExitStatus;
import dev.pooly.supervisor.SupervisionEvent;
import dev.pooly.supervisor.SupervisionTree;
import dev.pooly.supervisor.Supervisor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import dev.pooly.pool.Pool;
import dev.pooly.pool.PoolListener;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.CompletableFuture;

/**
 * {@code pooly daemon}: starts the tree, serves the control socket (and, with {@code metrics.listen},
 * {@code /metrics}, {@code /healthz} and {@code /readyz}), and ends on SIGTERM/SIGINT or a
 * {@code shutdown} request, or when the root supervisor gives up (exit 1). Ending on request drains
 * first: no more leases, open ones may finish for at most {@code shutdown.drain}; then children are
 * stopped in reverse order and it exits 0. SIGHUP reloads the config file as {@code pooly reload} does
 * ({@link Reloader}); SIGUSR1/SIGUSR2 are left at the JVM's defaults.
 */
public final class Daemon {
    private static final Logger LOG = LoggerFactory.getLogger("pooly");

    private Daemon() {}

    public static int run(PoolyConfig config) {
        try (Systemd systemd = Systemd.fromEnvironment(System.getenv())) {
            return run(config, systemd);
        }
    }

    private static int run(PoolyConfig config, Systemd systemd) {
        // One table of pools for connections, metrics and probes; a reload updates it (added and removed pools).
        PoolTable pools = new PoolTable(Map.of());
        DaemonMetrics metrics = config.metrics().isPresent() || config.http().isPresent() ? new DaemonMetrics(() -> pools) : null;
        Function<String, PoolListener> listeners = metrics == null ? name -> PoolListener.NONE : metrics::pool;
        TreeBuilder.Tree tree = TreeBuilder.build(config, listeners);
        pools.replaceAll(tree.pools());
        if (metrics != null) {
            metrics.tree(config.nodes().stream().map(dev.pooly.config.ChildNode::id).toList(), config.nodes().stream()
                    .filter(n -> !(n instanceof dev.pooly.config.ProcessNode)).map(dev.pooly.config.ChildNode::id).toList());
        }
        ControlServer server;
        try {
            server = ControlServer.bind(config.socket());
        } catch (IOException e) {
            LOG.error("{}", e.getMessage());
            systemd.status("failed to start: " + e.getMessage());
            return ExitCode.FAILURE;
        }
        AtomicReference<Supervisor> started = new AtomicReference<>();
        HttpEndpoints http = null;
        HttpRoutes routes = new HttpRoutes(pools, server, metrics);
        HttpApi api = null;
        if (config.http().isPresent()) {
            try {
                api = HttpApi.bind(config.http().get(), routes);
            } catch (IOException e) {
                LOG.error("{}", e.getMessage());
                server.close();
                return ExitCode.FAILURE;
            }
        }
        if (config.metrics().isPresent()) {
            try {
                http = HttpEndpoints.start(config.metrics().get(), metrics, started::get, pools, server.drain());
                LOG.info("metrics on http://{}{}", config.metrics().get(), HttpEndpoints.METRICS);
            } catch (IOException e) {
                LOG.error("{}", e.getMessage());
                server.close();
                if (api != null) api.close();
                return ExitCode.FAILURE;
            }
        }
        CompletableFuture<String> stop = new CompletableFuture<>();
        for (String name : new String[] {"TERM", "INT"}) {
            warnIfIgnored(name, Signal.handle(new Signal(name), sig -> stop.complete("SIG" + sig.getName())), "stop the daemon", "pooly shutdown");
        }
        Supervisor root;
        try {
            root = SupervisionTree.start(tree.root(), metrics == null ? Daemon::log : event -> {
                metrics.on(event);
                log(event);
            });
        } catch (ChildStartException e) {
            LOG.error("the supervision tree could not start: {}", e.getMessage());
            systemd.status("failed to start: the supervision tree could not start: " + e.getMessage());
            server.close();
            if (http != null) http.close();
            if (api != null) api.close();
            return ExitCode.FAILURE;
        }
        started.set(root);
        Reloader reloader = new Reloader(config, root, pools, listeners);
        // SIGHUP used to end the JVM (exit 129) without stopping the children or removing the socket;
        // now it reloads, on a thread of its own so the signal dispatcher never waits for a reload.
        // Each reload between RELOADING=1 and READY=1 for systemd (which sent the SIGHUP, through ExecReload).
        Function<String, com.fasterxml.jackson.databind.node.ObjectNode> reload =
                cause -> systemd.reload(cause, () -> reloader.reload(cause), reply -> Systemd.reloadStatus(cause, reply));
        warnIfIgnored("HUP", Signal.handle(new Signal("HUP"), sig -> Thread.ofVirtual().name("pooly-sighup").start(() -> reload.apply("SIGHUP"))),
                "reload the config", "pooly reload");
        server.onReload(reload);
        server.onLogs(id -> {
            var current = reloader.running();
            var node = current.find(id).orElse(null);
            Path dir = current.logs().dir();
            java.util.Map<String, Path> files = new java.util.LinkedHashMap<>();
            switch (node) {
                case dev.pooly.config.ProcessNode p -> {
                    files.put("out", dir.resolve(id + ".out.log"));
                    files.put("err", dir.resolve(id + ".err.log"));
                }
                case dev.pooly.config.PoolNode p -> files.put("err", dir.resolve(id + ".err.log")); // stdout is the pool's channel
                case null, default -> {
                    return null;
                }
            }
            return files;
        });
        server.onScale(request -> {
            if (!request.path("size").canConvertToInt()) return ControlServer.error(ExitCode.USAGE, "scale needs an integer size");
            Integer overflow = request.has("max_overflow") ? request.get("max_overflow").asInt() : null;
            return reloader.scale(request.path("pool").asText(""), request.get("size").asInt(), overflow);
        });
        server.serve(root, pools, stop);
        routes.serve(root);
        // nodes() holds the root supervisor itself: the children under it are the rest.
        LOG.info("ready: {} children under {}, {} pools, control socket {}", config.nodes().size() - 1, root.id(),
                pools.size(), server.socket());
        java.util.function.Supplier<String> summary = () -> "running: " + (reloader.running().nodes().size() - 1) + " children, "
                + pools.size() + " pools (" + pools.values().stream().mapToInt(p -> p.status().workers().size()).sum()
                + " workers), control socket " + server.socket();
        systemd.ready(summary.get());
        SystemdWatchdog watchdog = SystemdWatchdog.start(systemd, root, server.socket(), summary);

        CompletableFuture<Object> first = CompletableFuture.anyOf(stop, root.termination());
        Object why = first.join();
        if (why instanceof ExitStatus status) {
            LOG.error("root supervisor {}: {}; exiting", root.id(), status);
            systemd.stopping("root supervisor " + root.id() + ": " + status + "; exiting");
            if (watchdog != null) watchdog.close();
            server.close();
            if (http != null) http.close();
            if (api != null) api.close();
            return status instanceof ExitStatus.Shutdown ? ExitCode.OK : ExitCode.FAILURE;
        }
        systemd.stopping(why + ": draining, " + server.drain().open() + " open lease(s), up to " + config.drain().toMillis() + " ms");
        drain(server.drain(), why, config.drain());
        LOG.info("{}: stopping all children in reverse order", why);
        systemd.status(why + ": stopping all children in reverse order");
        root.shutdown().join();
        if (watchdog != null) watchdog.close();
        server.close();
        if (http != null) http.close();
        if (api != null) api.close();
        LOG.info("stopped");
        return ExitCode.OK;
    }

    /** Lends no more and waits for open leases, at most {@code max}; the control socket keeps answering meanwhile. */
    private static void drain(Drain drain, Object why, Duration max) {
        drain.start();
        int open = drain.open();
        if (open == 0) return;
        LOG.info("{}: draining: lending no more workers; waiting up to {} ms for {} open lease(s)", why, max.toMillis(), open);
        if (drain.awaitIdle(max)) LOG.info("drained: every lease ended");
        else LOG.warn("drain time {} ms is over with {} lease(s) still open; stopping anyway", max.toMillis(), drain.open());
    }

    private static void log(SupervisionEvent event) {
        org.slf4j.event.Level level = switch (event) {
            case SupervisionEvent.Exited e when e.status().abnormal() -> org.slf4j.event.Level.WARN;
            case SupervisionEvent.StartFailed e -> org.slf4j.event.Level.ERROR;
            case SupervisionEvent.GaveUp e -> org.slf4j.event.Level.ERROR;
            default -> org.slf4j.event.Level.INFO;
        };
        if (!LOG.isEnabledForLevel(level)) return;
        // node and pid as fields of their own for log.format: json (the text line has them in the message).
        String node = switch (event) {
            case SupervisionEvent.Started e -> e.id();
            case SupervisionEvent.Exited e -> e.id();
            case SupervisionEvent.Restarting e -> e.id();
            case SupervisionEvent.StartFailed e -> e.id();
            case SupervisionEvent.GaveUp e -> e.id();
            default -> event.path();
        };
        var line = LOG.atLevel(level).addKeyValue("node", node);
        long pid = switch (event) {
            case SupervisionEvent.Started e -> e.pid();
            case SupervisionEvent.Exited e -> e.pid();
            default -> 0;
        };
        if (pid > 0) line = line.addKeyValue("pid", pid);
        line.log("{}", event);
    }

    /**
     * A signal ignored when the JVM started (inherited: {@code nohup} ignores SIGHUP, a shell's {@code &}
     * without job control ignores SIGINT) stays ignored: the JVM does not install a handler for it, and
     * {@link Signal#handle} says so by returning SIG_IGN. Said once in the log, with what to use instead.
     */
    private static void warnIfIgnored(String name, sun.misc.SignalHandler before, String does, String instead) {
        if (before == sun.misc.SignalHandler.SIG_IGN) {
            LOG.warn("SIG{} is ignored by this process (inherited from whatever started it, nohup for SIGHUP), so it will not {}: use `{}`",
                    name, does, instead);
        }
    }
}
