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

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * {@code pooly daemon}: starts the tree, serves the control socket, and ends on SIGTERM/SIGINT or a
 * {@code shutdown} request (children stopped in reverse order, exit 0) or when the root supervisor
 * gives up (exit 1). SIGHUP reloads the config file as {@code pooly reload} does ({@link Reloader});
 * SIGUSR1/SIGUSR2 are left at the JVM's defaults.
 */
public final class Daemon {
    private static final Logger LOG = LoggerFactory.getLogger("pooly");

    private Daemon() {}

    public static int run(PoolyConfig config) {
        TreeBuilder.Tree tree = TreeBuilder.build(config);
        ControlServer server;
        try {
            server = ControlServer.bind(config.socket());
        } catch (IOException e) {
            LOG.error("{}", e.getMessage());
            return ExitCode.FAILURE;
        }
        CompletableFuture<String> stop = new CompletableFuture<>();
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), sig -> stop.complete("SIG" + sig.getName()));
        }
        Supervisor root;
        try {
            root = SupervisionTree.start(tree.root(), Daemon::log);
        } catch (ChildStartException e) {
            LOG.error("the supervision tree could not start: {}", e.getMessage());
            server.close();
            return ExitCode.FAILURE;
        }
        PoolTable pools = new PoolTable(tree.pools());
        Reloader reloader = new Reloader(config, root, pools);
        // SIGHUP used to end the JVM (exit 129) without stopping the children or removing the socket;
        // now it reloads, on a thread of its own so the signal dispatcher never waits for a reload.
        Signal.handle(new Signal("HUP"), sig -> Thread.ofVirtual().name("pooly-sighup").start(() -> reloader.reload("SIGHUP")));
        server.onReload(reloader::reload);
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
        LOG.info("ready: {} children under {}, {} pools, control socket {}", config.nodes().size(), root.id(),
                pools.size(), server.socket());

        CompletableFuture<Object> first = CompletableFuture.anyOf(stop, root.termination());
        Object why = first.join();
        if (why instanceof ExitStatus status) {
            LOG.error("root supervisor {}: {}; exiting", root.id(), status);
            server.close();
            return status instanceof ExitStatus.Shutdown ? ExitCode.OK : ExitCode.FAILURE;
        }
        LOG.info("{}: stopping all children in reverse order", why);
        root.shutdown().join();
        server.close();
        LOG.info("stopped");
        return ExitCode.OK;
    }

    private static void log(SupervisionEvent event) {
        switch (event) {
            case SupervisionEvent.Exited e when e.status().abnormal() -> LOG.warn("{}", e);
            case SupervisionEvent.StartFailed e -> LOG.error("{}", e);
            case SupervisionEvent.GaveUp e -> LOG.error("{}", e);
            default -> LOG.info("{}", event);
        }
    }
}
