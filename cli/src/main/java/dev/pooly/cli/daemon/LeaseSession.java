package dev.pooly.cli.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pooly.cli.ExitCode;
import dev.pooly.pool.Lease;
import dev.pooly.pool.Pool;
import dev.pooly.pool.PoolException;
import dev.pooly.pool.PoolInterruptedException;
import dev.pooly.pool.PoolTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One client's lease, relayed over its connection (docs/protocol.md, "When a lease ends"): checks the
 * request, checks a worker out, and hands the lease to the {@link Relay} of its mode
 * ({@link LinesRelay}: request lines pipelined to the worker and its answers relayed back in order;
 * {@link BytesRelay}: raw chunks both ways). The session's state is a {@link SessionState}; the ways
 * a lease ends, common to every relay, are here.
 *
 * <p>Request timeouts ({@code request_timeout_ms}) are the pool's per-answer deadline
 * ({@link Lease#readLine(Duration)}), each request's counted from when the daemon read it.
 *
 * <p>Exactly one transition reaches {@code ENDED}, and the thread that makes it ends the lease:
 * <ul>
 *   <li>a lease that ends with its worker <em>replaced</em> (discard, client gone mid-request, request
 *       timeout, unasked output, refused line mid-request, worker died) may be ended by any thread
 *       ({@link #endReplacing}): the worker is killed, so a read still blocked on its pipe can steal
 *       nothing;</li>
 *   <li>a lease that ends with its worker <em>returned</em> (checkin, on_abandon) is ended only by the
 *       reader thread, after its last read and a quiet check: no thread of this session touches the
 *       worker's stdout once another holder may have it.</li>
 * </ul>
 *
 * <p>Threads: the connection's (virtual) thread reads the client for the whole session, also while
 * answers are drained after {@code checkin}, so a client that dies is seen at once; it writes the
 * worker's stdin. One platform reader thread reads the worker's stdout (a blocking pipe read) and
 * writes the client. The connection thread returns only after the reader ended, so the lease's
 * holder thread outlives the lease. On daemon shutdown the pool kills the worker: the reader sees
 * end of stream and the client gets code 1.
 */
final class LeaseSession {
    static final Logger LOG = LoggerFactory.getLogger("pooly.lease");

    final Pool pool;
    private final JsonNode request;
    final RequestLines client;
    final ControlServer.JsonLines out;
    private final Drain drain;
    private final SocketChannel channel;

    /** Set once by {@link #run} before the relay starts, which its reader thread's start publishes. */
    Lease lease;
    Duration requestTimeout;
    SessionState state;

    LeaseSession(Pool pool, JsonNode request, RequestLines client, ControlServer.JsonLines out, SocketChannel channel,
                 Drain drain) {
        this.drain = drain;
        this.pool = pool;
        this.request = request;
        this.client = client;
        this.out = out;
        this.channel = channel;
    }

    void run() throws IOException {
        if (drain.draining()) {
            out.send(draining());
            return;
        }
        JsonNode timeout = request.path("request_timeout_ms");
        if (!timeout.isMissingNode() && (!timeout.canConvertToLong() || timeout.asLong() <= 0)) {
            out.send(ControlServer.error(ExitCode.USAGE, "request_timeout_ms must be a positive number of milliseconds, was " + timeout));
            return;
        }
        if (!timeout.isMissingNode() && "bytes".equals(mode())) {
            out.send(ControlServer.error(ExitCode.USAGE, "request_timeout_ms needs mode lines: a byte stream has no requests to time"));
            return;
        }
        requestTimeout = timeout.isMissingNode() ? null : Duration.ofMillis(timeout.asLong());
        state = new SessionState(requestTimeout);
        try {
            if (request.path("no_wait").asBoolean(false)) {
                lease = pool.tryCheckout().orElse(null);
                if (lease == null) {
                    out.send(ControlServer.error(ExitCode.TEMPORARY_FAILURE, "pool " + pool.name() + " is full"));
                    return;
                }
            } else {
                Duration wait = request.has("timeout_ms") ? Duration.ofMillis(request.get("timeout_ms").asLong())
                        : pool.spec().checkoutTimeout();
                lease = pool.checkout(wait);
            }
        } catch (PoolTimeoutException | PoolInterruptedException e) {
            out.send(ControlServer.error(ExitCode.TEMPORARY_FAILURE, e.getMessage()));
            return;
        } catch (PoolException e) {
            out.send(ControlServer.error(ExitCode.FAILURE, e.getMessage()));
            return;
        }
        if (!drain.begin()) {
            // The drain began while this caller waited: the worker goes back unused.
            lease.close();
            out.send(draining());
            return;
        }
        try {
            relay();
        } finally {
            drain.end();
        }
    }

    private String mode() {
        return request.path("mode").asText("lines");
    }

    private ObjectNode draining() {
        return ControlServer.error(ExitCode.UNAVAILABLE, "pool " + pool.name() + ": the daemon is draining (shutting down) and lends no more workers");
    }

    private void relay() throws IOException {
        // One per call: debug (issue 22); what an operator acts on (replacements and why) stays info.
        LOG.atDebug().addKeyValue("pool", pool.name()).addKeyValue("pid", lease.pid())
                .log("pool {}: worker {} leased to a client", pool.name(), lease.pid());
        try {
            out.send(ControlServer.ok().put("pool", pool.name()).put("pid", lease.pid()).put("framing", lease.framing().kind())
                    .put("max", lease.framing().max()));
        } catch (IOException e) {
            lease.abandon();
            throw e;
        }
        if (!"bytes".equals(mode())) {
            // A frame over the pool's max is refused once a max frame's bytes have passed, not after 32 MiB.
            long max = lease.framing().max();
            client.limit(RequestLines.frameMessageLimit(max), "a message of a lease session on pool " + pool.name() + " (framing "
                    + lease.framing().kind() + ", max " + max + " bytes: a max frame as base64, 4 bytes per 3, plus "
                    + RequestLines.ENVELOPE + " bytes)");
        }
        relayFor(mode()).run();
    }

    /** The relay of a session's mode: the one place a protocol is chosen. */
    private Relay relayFor(String mode) {
        return switch (mode) {
            case "bytes" -> new BytesRelay(this);
            default -> lease.framing() instanceof dev.pooly.pool.Framing.Line ? new LinesRelay(this) : new FramesRelay(this);
        };
    }

    // ---- how a lease ends, for every relay ---------------------------------------------------------

    /**
     * Ends the lease with its worker killed and replaced; {@code last} (if any) is the client's last
     * message. False when the lease had already ended.
     */
    boolean endReplacing(String why, ObjectNode last) {
        if (!state.end()) return false;
        LOG.warn("pool {}: worker {} {}; it is replaced", pool.name(), lease.pid(), why);
        discardQuietly();
        if (last != null) sendQuietly(last);
        hangUp();
        return true;
    }

    /** The worker died or its lease was revoked (lease_timeout, pool restart); {@code why} when already known. */
    void workerGone(String why) {
        if (why == null) {
            try {
                lease.readLine(); // a void lease throws why; a dead worker's reads end of stream and says it died
                why = "pool " + pool.name() + ": worker " + lease.pid() + " is gone";
            } catch (PoolException | IllegalStateException e) {
                why = e.getMessage();
            }
        }
        endReplacing(why, ControlServer.error(ExitCode.FAILURE, why));
    }

    /** The client discarded the lease: it ends replacing the worker, and the client is told so. */
    void discardedByClient() {
        if (endReplacing("discarded by its client", ControlServer.ok().put("checked_in", false))) {
            LOG.debug("pool {}: worker {} discarded by its client", pool.name(), lease.pid());
        }
    }

    /**
     * The client's next message for a relay, or null when the session ends instead: the client went
     * (its end is {@link #clientGone}), or sent a line over its limit or one that is not JSON
     * ({@link #refuse}d). The connection thread only.
     */
    JsonNode nextMessage() {
        String text;
        try {
            text = client.readLine();
        } catch (RequestLines.TooLong e) {
            LOG.warn("pool {}: a client's message passed {} bytes; refused with 64 and disconnected", pool.name(), e.limit());
            refuse(e.getMessage());
            return null;
        } catch (IOException e) {
            text = null;
        }
        if (text == null) {
            clientGone();
            return null;
        }
        try {
            return ControlServer.JSON.readTree(text);
        } catch (IOException e) {
            refuse(ControlServer.notJson("not a JSON message: expected one JSON object per line, such as {\"line\":\"TEXT\"} or {\"op\":\"checkin\"}", e));
            return null;
        }
    }

    /** The client went: the lease is abandoned, and its worker replaced if a request was outstanding. */
    void clientGone() {
        if (state.endByClient(SessionState.Return.ABANDON) == SessionState.ClientEnd.MID_REQUEST) {
            endReplacing("its client vanished with a request outstanding", null);
        }
    }

    /** Refuses a client message with code 64; the lease ends: its worker returns if nothing is outstanding, else it is replaced. */
    void refuse(String why) {
        SessionState.ClientEnd end = state.endByClient(SessionState.Return.REFUSED);
        if (end == SessionState.ClientEnd.ALREADY_ENDED) return;
        ObjectNode refusal = error(ExitCode.USAGE, why);
        if (end == SessionState.ClientEnd.MID_REQUEST) {
            endReplacing("its client broke the protocol with a request outstanding", refusal);
        } else {
            sendQuietly(refusal);
        }
    }

    /** An error message naming this session's pool. */
    ObjectNode error(int code, String message) {
        return ControlServer.error(code, "pool " + pool.name() + ": " + message);
    }

    /**
     * The reader ended the lease as a return ({@code how}, the lines and frames relays);
     * {@code surplus} shows what the relay found unread after the last answer, or is null. Every look
     * comes before the client hears how its checkin went: the relay's own, then the pool's at checkin
     * ({@link Lease#checkin()}). So a surplus the daemon finds before it hangs up fails the call with
     * code 1 instead of following {@code checked_in: true} (it once did: the confirmation went first,
     * then the looks, and {@code pooly call} exited 0 with the surplus only in the daemon's log). A
     * surplus written after the pool's look is found before the worker is lent again, after this
     * session is over (docs/protocol.md).
     */
    void returnWorker(SessionState.Return how, String surplus) {
        ObjectNode last = null;
        if (surplus != null) {
            LOG.warn("pool {}: worker {} wrote output nobody asked for ({}); it is replaced, not lent on", pool.name(), lease.pid(), surplus);
            discardQuietly();
            last = shifted("wrote output nobody asked for after its last answer (" + surplus + ")");
        } else if (how == SessionState.Return.ABANDON) {
            LOG.warn("pool {}: client holding worker {} vanished with nothing outstanding; on_abandon {} applies",
                    pool.name(), lease.pid(), pool.spec().onAbandon().name().toLowerCase(java.util.Locale.ROOT));
            lease.abandon();
        } else if (lease.checkin()) {
            last = ControlServer.ok().put("checked_in", true);
        } else {
            // The pool logged why (output nobody asked for, a request unanswered; or the worker died just now).
            last = shifted("was not quiet at checkin (see the daemon's log)");
        }
        if (last != null && how == SessionState.Return.CHECKIN) sendQuietly(last);
        hangUp();
    }

    private ObjectNode shifted(String what) {
        return ControlServer.error(ExitCode.FAILURE, shiftedMessage(pool.name(), lease.pid(), what));
    }

    /** The error of a call whose worker was found not quiet ({@code what} it did): its answers may be shifted. */
    static String shiftedMessage(String pool, long pid, String what) {
        return "pool " + pool + ": worker " + pid + " " + what
                + "; answers are matched to requests by order, so this call's answers may be shifted; the worker is replaced";
    }

    void discardQuietly() {
        try {
            lease.discard();
        } catch (IllegalStateException | PoolException e) {
            // Already ended by the pool (the worker died, the lease was revoked): it is being replaced anyway.
        }
    }

    void sendQuietly(ObjectNode message) {
        try {
            out.send(message);
        } catch (IOException e) {
            // The client is gone as well; the connection thread sees it.
        }
    }

    /** Ends the client's side of the session: the connection thread's read returns end of stream. */
    void hangUp() {
        try {
            channel.shutdownInput();
        } catch (IOException e) {
            // Closed already.
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------

    /** Up to 80 characters of what the worker wrote unasked, for the log and the client. */
    static String preview(InputStream stdout, int available) {
        byte[] bytes = new byte[Math.min(Math.max(available, 0), 80)];
        try {
            int n = bytes.length == 0 ? 0 : stdout.read(bytes);
            String text = new String(bytes, 0, Math.max(n, 0), StandardCharsets.UTF_8);
            return ControlServer.JSON.writeValueAsString(text) + (available > 80 ? "..." : "");
        } catch (IOException | RuntimeException e) {
            return available + " bytes";
        }
    }

    /** Bytes readable without blocking; 0 once the lease has ended (its streams then refuse) or the pipe broke. */
    static int available(InputStream stdout) {
        try {
            return stdout.available();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    static String format(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    static void join(Thread reader) {
        try {
            reader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void flushQuietly(OutputStream out) {
        try {
            out.flush();
        } catch (IOException ignored) {
            // The worker is gone; the reader reports it.
        }
    }
}
