package dev.pooly.cli.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pooly.cli.ExitCode;
import dev.pooly.pool.Pool;
import dev.pooly.supervisor.Supervisor;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The HTTP API's paths (contract section 5), each answered by the same code as the control socket's
 * request of the same meaning ({@link ControlServer}: node commands and their refusals, reload, scale,
 * logs; {@link StatusJson}; {@link HttpEndpoints}' probes), so the two cannot drift apart.
 *
 * <p>Thread-safe: any number of handler threads; {@link #serve} publishes the root supervisor once.
 */
public final class HttpRoutes {
    /** The largest body of a control request (scale), refused past it. */
    private static final int MAX_CONTROL_BODY = 64 * 1024;

    private final Map<String, Pool> pools;
    private final ControlServer control;
    private final DaemonMetrics metrics;
    /** Null until the tree runs: requests get 503 "starting" until then. */
    private volatile Supervisor root;

    /** @param metrics the registry for {@code /metrics}, or null: then 404 there */
    public HttpRoutes(Map<String, Pool> pools, ControlServer control, DaemonMetrics metrics) {
        this.pools = pools;
        this.control = control;
        this.metrics = metrics;
    }

    /** The tree runs: requests are served from now on. */
    public void serve(Supervisor root) {
        this.root = root;
    }

    void handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        List<String> parts = List.of(path.substring(1).split("/", -1));
        try {
            switch (path) {
                case HttpEndpoints.HEALTHZ, HttpEndpoints.READYZ, HttpEndpoints.METRICS -> {
                    if (allow(method, "GET", response, callback)) probe(path, response, callback);
                    return;
                }
                default -> { }
            }
            if (parts.size() < 2 || !parts.get(0).equals("v1")) {
                notFound(path, response, callback);
                return;
            }
            Supervisor tree = root;
            if (tree == null) {
                HttpReplies.error(response, callback, 503, ExitCode.UNAVAILABLE, "the daemon is starting");
                return;
            }
            String what = parts.get(1);
            int n = parts.size();
            if (what.equals("status") && n == 2) {
                if (allow(method, "GET", response, callback)) {
                    HttpReplies.send(response, callback, 200, StatusJson.of(tree.status(), pools, control.drain().draining()));
                }
            } else if (what.equals("reload") && n == 2) {
                if (allow(method, "POST", response, callback)) HttpReplies.send(response, callback, control.reloadReply("HTTP POST /v1/reload"));
            } else if (what.equals("pools") && n == 3) {
                if (allow(method, "GET", response, callback)) pool(tree, parts.get(2), response, callback);
            } else if (what.equals("pools") && n == 4 && parts.get(3).equals("call")) {
                if (!allow(method, "POST", response, callback)) return;
                Pool pool = pools.get(parts.get(2));
                if (pool == null) noPool(parts.get(2), response, callback);
                else HttpCall.handle(request, response, callback, pool, tree, control.drain());
            } else if (what.equals("pools") && n == 4 && parts.get(3).equals("scale")) {
                if (allow(method, "POST", response, callback)) scale(parts.get(2), request, response, callback);
            } else if (what.equals("nodes") && n == 4 && List.of("kill", "restart", "stop", "start").contains(parts.get(3))) {
                if (!allow(method, "POST", response, callback)) return;
                String op = parts.get(3);
                String id = parts.get(2);
                ObjectNode refused = ControlServer.refusal(tree, pools, op, id);
                HttpReplies.send(response, callback, refused != null ? refused : ControlServer.control(tree, op, id));
            } else if (what.equals("logs") && n == 3) {
                if (allow(method, "GET", response, callback)) logs(parts.get(2), request, response, callback);
            } else {
                notFound(path, response, callback);
            }
        } catch (RuntimeException | IOException e) {
            HttpReplies.error(response, callback, 500, ExitCode.FAILURE, "internal error: " + e);
        }
    }

    /** True if {@code method} is the path's; else a 405 naming the one it takes was sent. */
    private static boolean allow(String method, String allowed, Response response, Callback callback) {
        if (method.equals(allowed)) return true;
        response.getHeaders().put(HttpHeader.ALLOW, allowed);
        HttpReplies.error(response, callback, 405, ExitCode.USAGE, method + " is not allowed here; use " + allowed);
        return false;
    }

    private static void notFound(String path, Response response, Callback callback) {
        HttpReplies.error(response, callback, 404, ExitCode.UNAVAILABLE, "no such path " + path + "; the API is under /v1 "
                + "(status, pools/POOL, pools/POOL/call, pools/POOL/scale, reload, nodes/ID/kill|restart|stop|start, logs/ID), "
                + "and /metrics, /healthz, /readyz");
    }

    private void noPool(String name, Response response, Callback callback) {
        HttpReplies.error(response, callback, 404, ExitCode.UNAVAILABLE, "no pool named '" + name + "'; pools: " + pools.keySet());
    }

    private void pool(Supervisor tree, String name, Response response, Callback callback) {
        if (!pools.containsKey(name)) {
            noPool(name, response, callback);
            return;
        }
        ObjectNode status = StatusJson.of(tree.status(), Map.of(name, pools.get(name)), control.drain().draining());
        HttpReplies.send(response, callback, 200, (ObjectNode) status.get("pools").get(0));
    }

    private void scale(String name, Request request, Response response, Callback callback) {
        JsonNode body;
        try {
            byte[] bytes = new HttpBody(request, MAX_CONTROL_BODY).readAll();
            body = bytes.length == 0 ? ControlServer.JSON.createObjectNode() : ControlServer.JSON.readTree(bytes);
        } catch (HttpBody.TooLarge e) {
            HttpReplies.error(response, callback, 413, ExitCode.USAGE, e.getMessage());
            return;
        } catch (IOException e) {
            HttpReplies.error(response, callback, 400, ExitCode.USAGE, ControlServer.notJson("scale takes {\"size\":N,\"max_overflow\":M}", e));
            return;
        }
        if (!(body instanceof ObjectNode object)) {
            HttpReplies.error(response, callback, 400, ExitCode.USAGE, "scale takes {\"size\":N,\"max_overflow\":M}");
            return;
        }
        object.put("pool", name);
        HttpReplies.send(response, callback, control.scaleReply(object));
    }

    /** NDJSON: the control socket's log messages, one per line; chunked and endless with follow=true. */
    private void logs(String id, Request request, Response response, Callback callback) {
        Map<String, Path> files = control.logFilesOf(id);
        if (files == null) {
            HttpReplies.error(response, callback, 404, ExitCode.UNAVAILABLE, "no process or pool '" + id + "' in the config");
            return;
        }
        Fields query = Request.extractQueryParameters(request);
        int lines;
        try {
            lines = query.getValue("lines") == null ? 10 : Integer.parseInt(query.getValue("lines"));
        } catch (NumberFormatException e) {
            HttpReplies.error(response, callback, 400, ExitCode.USAGE, "lines must be a number, was " + query.getValue("lines"));
            return;
        }
        boolean follow = "true".equals(query.getValue("follow"));
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, HttpReplies.NDJSON_TYPE);
        AtomicBoolean gone = new AtomicBoolean();
        ClientWatch watch = follow ? ClientWatch.start(request, () -> gone.set(true)) : null;
        if (watch != null && watch.goneAtStart()) gone.set(true); // hung up already: follow nothing
        try (OutputStream out = Content.Sink.asOutputStream(response)) {
            ControlServer.JsonLines lineOut = new ControlServer.JsonLines(out);
            LogTail.run(List.copyOf(files.keySet()), List.copyOf(files.values()), lines, follow, lineOut, gone);
            if (watch != null) watch.stop();
            lineOut.flush();
        } catch (IOException e) {
            if (watch != null) watch.stop();
            callback.failed(e);
            return;
        }
        callback.succeeded();
    }

    private void probe(String path, Response response, Callback callback) throws IOException {
        Supervisor tree = root;
        switch (path) {
            case HttpEndpoints.HEALTHZ -> {
                boolean up = tree != null && !tree.termination().isDone();
                text(response, callback, up ? 200 : 503, up ? "ok\n" : "the root supervisor is not running\n");
            }
            case HttpEndpoints.READYZ -> {
                String why = tree == null ? "starting" : HttpEndpoints.unready(pools, control.drain());
                text(response, callback, why == null ? 200 : 503, why == null ? "ready\n" : why + "\n");
            }
            default -> {
                if (metrics == null) {
                    text(response, callback, 404, "no metrics\n");
                    return;
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
                writer.write(out, metrics.registry().scrape());
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, writer.getContentType());
                response.write(true, ByteBuffer.wrap(out.toByteArray()), callback);
            }
        }
    }

    private static void text(Response response, Callback callback, int status, String body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
    }
}
