package dev.pooly.cli.daemon;

import com.sun.net.httpserver.HttpExchange;
import dev.pooly.config.MetricsSettings;
import dev.pooly.pool.Pool;
import dev.pooly.pool.PoolStatus;
import dev.pooly.supervisor.Supervisor;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code metrics.listen}: the daemon's HTTP listener, the Prometheus client's own server. Serves
 * {@code /metrics} (text format), {@code /healthz} (200 while the root supervisor runs) and
 * {@code /readyz} (200 when every pool has its {@code size} workers started and the daemon is not
 * draining), anything else 404.
 *
 * <p>Thread-safe; requests run on the server's own small thread pool. {@link #close()} stops it.
 */
public final class HttpEndpoints implements AutoCloseable {
    public static final String METRICS = "/metrics";
    public static final String HEALTHZ = "/healthz";
    public static final String READYZ = "/readyz";

    private final HTTPServer server;

    private HttpEndpoints(HTTPServer server) {
        this.server = server;
    }

    /**
     * Binds {@code at}; throws with the address in the message when it cannot. Bound before the tree
     * starts (a port in use starts nothing): until {@code root} supplies the root supervisor,
     * {@code /healthz} and {@code /readyz} answer 503.
     */
    public static HttpEndpoints start(MetricsSettings at, DaemonMetrics metrics, Supplier<Supervisor> root, Map<String, Pool> pools,
                                      Drain drain) throws IOException {
        try {
            HTTPServer server = HTTPServer.builder().hostname(at.host()).port(at.port()).registry(metrics.registry())
                    .metricsHandlerPath(METRICS).registerHealthHandler(false)
                    .defaultHandler(exchange -> probe(exchange, root, pools, drain)).buildAndStart();
            return new HttpEndpoints(server);
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot listen for metrics on " + at + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return server.getPort();
    }

    private static void probe(HttpExchange exchange, Supplier<Supervisor> rootSupplier, Map<String, Pool> pools, Drain drain)
            throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            Supervisor root = rootSupplier.get();
            switch (path) {
                case HEALTHZ -> {
                    boolean up = root != null && !root.termination().isDone();
                    reply(exchange, up ? 200 : 503, up ? "ok\n" : "the root supervisor is not running\n");
                }
                case READYZ -> {
                    String why = root == null ? "starting" : unready(pools, drain);
                    reply(exchange, why == null ? 200 : 503, why == null ? "ready\n" : why + "\n");
                }
                default -> reply(exchange, 404, "not found; try " + METRICS + ", " + HEALTHZ + " or " + READYZ + "\n");
            }
        }
    }

    /** Why the daemon is not ready, or null. */
    static String unready(Map<String, Pool> pools, Drain drain) {
        if (drain.draining()) return "draining";
        for (Pool pool : pools.values()) {
            PoolStatus s = pool.status();
            int started = s.idle() + s.busy();
            if (started < s.size()) return "pool " + pool.name() + ": " + started + " of " + s.size() + " workers started";
        }
        return null;
    }

    private static void reply(HttpExchange exchange, int code, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override public void close() {
        server.close();
    }
}
