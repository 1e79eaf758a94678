package dev.pooly.cli.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pooly.cli.ExitCode;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The HTTP API's replies: the control protocol's JSON ({@code {"ok":false,"code":N,"error":...}} for
 * errors) with the HTTP status of contract section 5. Stateless.
 */
final class HttpReplies {
    static final String JSON_TYPE = "application/json";
    static final String NDJSON_TYPE = "application/x-ndjson";
    /** Seconds a client told 503 for a busy pool should wait before it tries again. */
    static final String RETRY_AFTER = "1";

    private HttpReplies() {}

    /** What a failed operation of the control protocol means in HTTP, when nothing more specific is known. */
    static int status(JsonNode reply) {
        if (reply.path("ok").asBoolean(false)) return 200;
        return switch (reply.path("code").asInt(ExitCode.FAILURE)) {
            case ExitCode.USAGE -> 400;
            case ExitCode.INVALID_CONFIG -> 422;
            case ExitCode.UNAVAILABLE -> unknown(reply) ? 404 : 503;
            case ExitCode.TEMPORARY_FAILURE -> 503;
            default -> 500;
        };
    }

    /** A 69 about something that does not exist (404), rather than something stopped or draining (503). */
    private static boolean unknown(JsonNode reply) {
        String error = reply.path("error").asText("");
        return error.startsWith("no ");
    }

    /** Sends {@code reply} as JSON with {@link #status(JsonNode)}. */
    static void send(Response response, Callback callback, ObjectNode reply) {
        send(response, callback, status(reply), reply);
    }

    static void send(Response response, Callback callback, int status, ObjectNode reply) {
        byte[] body;
        try {
            body = ControlServer.JSON.writeValueAsBytes(reply);
        } catch (IOException e) {
            callback.failed(e);
            return;
        }
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON_TYPE);
        if (status == 503 && reply.path("code").asInt() == ExitCode.TEMPORARY_FAILURE) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, RETRY_AFTER);
        }
        byte[] line = new byte[body.length + 1];
        System.arraycopy(body, 0, line, 0, body.length);
        line[body.length] = '\n';
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, line.length);
        response.write(true, ByteBuffer.wrap(line), callback);
    }

    static void error(Response response, Callback callback, int status, int code, String message) {
        send(response, callback, status, ControlServer.error(code, message));
    }
}
