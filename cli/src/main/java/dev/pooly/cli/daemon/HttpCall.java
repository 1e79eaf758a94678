package dev.pooly.cli.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pooly.cli.ExitCode;
import dev.pooly.config.Durations;
import dev.pooly.pool.Lease;
import dev.pooly.pool.LeaseRevokedException;
import dev.pooly.pool.LeaseTimeoutException;
import dev.pooly.pool.Pool;
import dev.pooly.pool.PoolClosedException;
import dev.pooly.pool.PoolException;
import dev.pooly.pool.PoolInterruptedException;
import dev.pooly.pool.PoolTimeoutException;
import dev.pooly.supervisor.Supervisor;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code POST /v1/pools/{pool}/call}: one lease for one HTTP request. A body of one request frame gets
 * its answer frame as the response body; an {@code application/x-ndjson} body of {@code {"frame":..}}
 * / {@code {"frame_base64":..}} lines gets one answer line per request, in order, streamed. Query
 * {@code timeout} (checkout) and {@code request_timeout}, durations as in the config.
 *
 * <p>The guarantees of the control socket's lease sessions: the answer goes only to this caller; a
 * client that hangs up with a request outstanding ends the lease with its worker replaced
 * ({@link ClientWatch}, {@link HttpBody#watch}), with nothing outstanding {@code on_abandon} applies;
 * the drain refuses new calls (503) and counts open ones. The handler's thread does the whole call:
 * checkout, write, read, checkin, no hand-off to another thread.
 *
 * <p>Model per request frame: CALLING -> ANSWERED (the handler read the answer and stopped the watch)
 * or CALLING -> GONE (the watch saw the client leave and discarded the lease); the watch's CAS decides.
 * Not thread-safe: one instance per HTTP request, on its handler thread.
 */
final class HttpCall {
    private static final Logger LOG = LoggerFactory.getLogger("pooly.http");

    private final Request request;
    private final Response response;
    private final Callback callback;
    private final Pool pool;
    private final Drain drain;
    private final FrameExchange frames;

    private HttpCall(Request request, Response response, Callback callback, Pool pool, Drain drain) {
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.pool = pool;
        this.drain = drain;
        this.frames = FrameExchange.of(pool);
    }

    static void handle(Request request, Response response, Callback callback, Pool pool, Supervisor root, Drain drain) {
        new HttpCall(request, response, callback, pool, drain).run(root);
    }

    private void run(Supervisor root) {
        Fields query = Request.extractQueryParameters(request);
        Duration checkout;
        Duration requestTimeout;
        try {
            checkout = duration(query, "timeout").orElse(pool.spec().checkoutTimeout());
            requestTimeout = duration(query, "request_timeout").orElse(null);
        } catch (IllegalArgumentException e) {
            HttpReplies.error(response, callback, 400, ExitCode.USAGE, e.getMessage());
            return;
        }
        String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        boolean stream = type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith(HttpReplies.NDJSON_TYPE);
        long declared = request.getLength();
        if (!stream && declared > frames.bodyLimit()) {
            // Refused before a byte of the body is read; the connection closes, so the rest is never read either.
            tooLarge("the request body (" + declared + " bytes) is over the pool's frame limit of " + frames.limit() + " bytes");
            return;
        }
        HttpBody body = new HttpBody(request, stream ? frames.lineLimit() : frames.bodyLimit());
        byte[] frame = null;
        if (!stream) {
            try {
                frame = frames.requestFromBody(body.readAll());
            } catch (HttpBody.TooLarge e) {
                tooLarge(e.getMessage());
                return;
            } catch (IOException e) {
                callback.failed(e);
                return;
            } catch (IllegalArgumentException e) {
                HttpReplies.error(response, callback, 400, ExitCode.USAGE, "pool " + pool.name() + ": " + e.getMessage());
                return;
            }
        }
        ObjectNode stopped = ControlServer.stoppedPool(root, pool.name());
        if (stopped != null) {
            HttpReplies.send(response, callback, 503, stopped);
            return;
        }
        Lease lease = checkout(checkout);
        if (lease == null) return;
        try {
            if (stream) stream(lease, body, requestTimeout);
            else single(lease, frame, requestTimeout);
        } finally {
            drain.end();
        }
    }

    /** A checked-out lease admitted by the drain, or null when an error reply was sent. */
    private Lease checkout(Duration timeout) {
        if (drain.draining()) {
            HttpReplies.send(response, callback, 503, draining());
            return null;
        }
        Lease lease;
        try {
            lease = pool.checkout(timeout);
        } catch (PoolTimeoutException | PoolInterruptedException e) {
            HttpReplies.error(response, callback, 503, ExitCode.TEMPORARY_FAILURE, e.getMessage());
            return null;
        } catch (PoolClosedException e) {
            HttpReplies.error(response, callback, 503, ExitCode.UNAVAILABLE, e.getMessage());
            return null;
        } catch (PoolException e) {
            HttpReplies.error(response, callback, 502, ExitCode.FAILURE, e.getMessage());
            return null;
        }
        if (!drain.begin()) {
            // The drain began while this caller waited: the worker goes back unused.
            lease.close();
            HttpReplies.send(response, callback, 503, draining());
            return null;
        }
        return lease;
    }

    private void single(Lease lease, byte[] frame, Duration requestTimeout) {
        AtomicBoolean gone = new AtomicBoolean();
        ClientWatch watch = ClientWatch.start(request, () -> clientGone(lease, gone));
        if (watch.goneAtStart()) {
            // It hung up while its call waited for a worker: nothing was sent, so the worker goes back
            // quiet (it was once discarded and replaced). INFO: clients that give up waiting say the
            // pool may be too small.
            LOG.info("pool {}: an HTTP client hung up while it waited for a worker; worker {} goes back unused", pool.name(), lease.pid());
            lease.close();
            callback.failed(new HttpBody.ClientGone(null));
            return;
        }
        byte[] answer;
        try {
            answer = frames.call(lease, frame, requestTimeout);
        } catch (IllegalArgumentException e) {
            watch.stop();
            lease.close(); // refused before it reached the worker: the worker is as it was
            HttpReplies.error(response, callback, 400, ExitCode.USAGE, "pool " + pool.name() + ": " + e.getMessage());
            return;
        } catch (PoolException e) {
            if (!watch.stop()) {
                callback.failed(new HttpBody.ClientGone(null));
                return;
            }
            endReplacing(lease);
            failed(e);
            return;
        }
        if (!watch.stop()) {
            callback.failed(new HttpBody.ClientGone(null)); // the watch discarded the lease
            return;
        }
        if (!lease.checkin()) {
            // The pool's look at checkin found output nobody asked for (it logged what): as on the
            // control socket, the call fails rather than hand over an answer that may be shifted.
            HttpReplies.error(response, callback, 502, ExitCode.FAILURE, notQuiet(lease));
            return;
        }
        byte[] out = frames.answerToBody(answer);
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, out.length);
        if (watch.pipelined()) response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        response.write(true, ByteBuffer.wrap(out), callback);
    }

    /** NDJSON in, NDJSON out, one lease for the whole body. */
    private void stream(Lease lease, HttpBody body, Duration requestTimeout) {
        OutputStream out = null;
        AtomicBoolean gone = new AtomicBoolean();
        boolean leaseEnded = false;
        try {
            while (true) {
                byte[] line;
                try {
                    line = body.nextLine();
                } catch (HttpBody.TooLarge e) {
                    out = error(out, 413, ExitCode.USAGE, "pool " + pool.name() + ": " + e.getMessage());
                    break;
                } catch (IOException e) {
                    leaseEnded = true;
                    lease.abandon(); // gone between requests: nothing outstanding, on_abandon applies
                    callback.failed(e);
                    return;
                }
                if (line == null) break;
                if (blank(line)) continue;
                Ask frame;
                try {
                    frame = Ask.parse(line);
                } catch (IllegalArgumentException e) {
                    out = error(out, 400, ExitCode.USAGE, "pool " + pool.name() + ": " + e.getMessage());
                    break;
                }
                Runnable onGone = () -> clientGone(lease, gone);
                ClientWatch watch = null;
                boolean seenGone = body.ended() ? false : body.watch(onGone);
                if (body.ended()) watch = ClientWatch.start(request, onGone);
                // Gone before this request was sent: as before, the lease ends replacing the worker
                // (answers may be in flight to a client that left mid-stream).
                if (watch != null && watch.goneAtStart()) seenGone = true;
                if (seenGone) {
                    leaseEnded = true;
                    endReplacing(lease);
                    callback.failed(new HttpBody.ClientGone(null));
                    return;
                }
                byte[] answer;
                try {
                    answer = frames.call(lease, frame.bytes, requestTimeout);
                } catch (IllegalArgumentException e) {
                    boolean here = stopWatch(watch, body);
                    if (!here) return;
                    out = error(out, 400, ExitCode.USAGE, "pool " + pool.name() + ": " + e.getMessage());
                    break;
                } catch (PoolException e) {
                    leaseEnded = true;
                    boolean here = stopWatch(watch, body);
                    if (!here) {
                        callback.failed(new HttpBody.ClientGone(null));
                        return;
                    }
                    endReplacing(lease);
                    if (out == null) {
                        failed(e);
                        return;
                    }
                    out = errorLine(out, code(e), e.getMessage());
                    break;
                }
                if (!stopWatch(watch, body)) {
                    leaseEnded = true;
                    callback.failed(new HttpBody.ClientGone(null));
                    return;
                }
                if (out == null) out = begin();
                ObjectNode reply = ControlServer.JSON.createObjectNode();
                if (frame.base64) reply.put("frame_base64", Base64.getEncoder().encodeToString(answer));
                else reply.put("frame", new String(answer, StandardCharsets.UTF_8));
                out.write(ControlServer.JSON.writeValueAsBytes(reply));
                out.write('\n');
                // Batches answers while more requests are already here; flushes when the client may be waiting.
                if (!body.lineReady()) out.flush();
                if (watch != null && watch.pipelined()) break;
            }
            if (!leaseEnded) {
                leaseEnded = true;
                // The answers streamed so far are already sent: a checkin that was not quiet ends the
                // stream with an error line, so the client knows they may be shifted.
                if (!lease.checkin()) out = error(out, 502, ExitCode.FAILURE, notQuiet(lease));
            }
            if (out == null) out = begin();
            out.close();
            callback.succeeded();
        } catch (IOException e) {
            // The client went while its answer was written: that request was outstanding for it.
            if (!leaseEnded) endReplacing(lease);
            callback.failed(e);
        }
    }

    /** Starts the 200 NDJSON response. */
    private OutputStream begin() {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, HttpReplies.NDJSON_TYPE);
        return new BufferedOutputStream(Content.Sink.asOutputStream(response), 16 * 1024);
    }

    /** An error before any answer (a status of its own) or after some (a last NDJSON line); the lease is returned by the caller. */
    private OutputStream error(OutputStream out, int status, int code, String message) throws IOException {
        if (out == null) {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, HttpReplies.NDJSON_TYPE);
            out = new BufferedOutputStream(Content.Sink.asOutputStream(response), 16 * 1024);
        }
        return errorLine(out, code, message);
    }

    private String notQuiet(Lease lease) {
        return LeaseSession.shiftedMessage(pool.name(), lease.pid(), "was not quiet at checkin (see the daemon's log)");
    }

    private static OutputStream errorLine(OutputStream out, int code, String message) throws IOException {
        out.write(ControlServer.JSON.writeValueAsBytes(ControlServer.error(code, message)));
        out.write('\n');
        return out;
    }

    private static boolean stopWatch(ClientWatch watch, HttpBody body) {
        boolean bodyHere = body.unwatch();
        return watch == null ? bodyHere : watch.stop() && bodyHere;
    }

    /** The watch saw the client leave with a request outstanding: the worker is replaced. */
    private void clientGone(Lease lease, AtomicBoolean gone) {
        if (gone.compareAndSet(false, true)) {
            LOG.warn("pool {}: worker {}: its HTTP client hung up with a request outstanding; it is replaced", pool.name(), lease.pid());
            endReplacing(lease);
        }
    }

    private static void endReplacing(Lease lease) {
        try {
            lease.discard();
        } catch (IllegalStateException | PoolException e) {
            // Already ended by the pool (the worker died, the lease was revoked): it is being replaced anyway.
        }
    }

    /** A call that failed at the worker: 504 for the request timeout, 502 for a dead worker or a bad answer. */
    private void failed(PoolException e) {
        int code = code(e);
        HttpReplies.error(response, callback, code == ExitCode.TEMPORARY_FAILURE ? 504 : 502, code, e.getMessage());
    }

    private static int code(PoolException e) {
        return e instanceof LeaseTimeoutException
                || (e instanceof LeaseRevokedException r && r.reason() == LeaseRevokedException.Reason.REQUEST_TIMEOUT)
                ? ExitCode.TEMPORARY_FAILURE : ExitCode.FAILURE;
    }

    private void tooLarge(String message) {
        response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        HttpReplies.error(response, callback, 413, ExitCode.USAGE, "pool " + pool.name() + ": " + message);
    }

    private ObjectNode draining() {
        return ControlServer.error(ExitCode.UNAVAILABLE, "pool " + pool.name() + ": the daemon is draining (shutting down) and lends no more workers");
    }

    private static Optional<Duration> duration(Fields query, String name) {
        String text = query.getValue(name);
        if (text == null) return Optional.empty();
        Duration d = Durations.parse(text).orElseThrow(() -> new IllegalArgumentException(
                "bad " + name + " '" + text + "': write " + Durations.FORMS));
        if (name.equals("request_timeout") && d.isZero()) throw new IllegalArgumentException("request_timeout must be more than 0");
        return Optional.of(d);
    }

    private static boolean blank(byte[] line) {
        for (byte b : line) if (b != ' ' && b != '\t' && b != '\r') return false;
        return true;
    }

    /** One NDJSON request: its frame and whether it came (and its answer goes) as base64. */
    private record Ask(byte[] bytes, boolean base64) {
        static Ask parse(byte[] line) {
            JsonNode message;
            try {
                message = ControlServer.JSON.readTree(line);
            } catch (IOException e) {
                throw new IllegalArgumentException(ControlServer.notJson("not a JSON line: expected one JSON object per line, such as {\"frame\":\"TEXT\"}", e));
            }
            JsonNode text = message.get("frame");
            if (text != null) {
                if (!text.isTextual()) throw new IllegalArgumentException("\"frame\" must be a string, was " + text);
                return new Ask(text.asText().getBytes(StandardCharsets.UTF_8), false);
            }
            JsonNode b64 = message.get("frame_base64");
            if (b64 != null && b64.isTextual()) {
                try {
                    return new Ask(Base64.getDecoder().decode(b64.asText()), true);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("\"frame_base64\" is not base64: " + e.getMessage());
                }
            }
            throw new IllegalArgumentException("each line must be {\"frame\":\"...\"} or {\"frame_base64\":\"...\"}, was "
                    + new String(line, 0, Math.min(line.length, 200), StandardCharsets.UTF_8));
        }
    }
}
