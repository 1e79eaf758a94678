package dev.pooly.cli.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pooly.cli.ExitCode;
import dev.pooly.pool.Lease;
import dev.pooly.pool.LeaseTimeoutException;
import dev.pooly.pool.Pool;
import dev.pooly.pool.PoolException;
import dev.pooly.pool.PoolInterruptedException;
import dev.pooly.pool.PoolTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One client's lease, relayed over its connection (docs/protocol.md, "When a lease ends"). In
 * {@code lines} mode request lines are pipelined to the worker and its response lines relayed back in
 * order; in {@code bytes} mode raw chunks go both ways.
 *
 * <p>Request timeouts ({@code request_timeout_ms}) are the pool's per-answer deadline
 * ({@link Lease#readLine(Duration)}), each request's counted from when the daemon read it.
 *
 * <p>Model: a session is {@code ACTIVE -> CHECKING_IN -> ENDED} (or {@code ACTIVE -> ENDED}), with a
 * count of requests written to the worker and not yet answered ({@code outstanding}). Every change
 * happens under {@link #lock} and is O(1); the I/O it implies happens after unlocking. Exactly one
 * transition reaches {@code ENDED}, and the thread that makes it ends the lease:
 * <ul>
 *   <li>a lease that ends with its worker <em>replaced</em> (discard, client gone mid-request, request
 *       timeout, unasked output, refused line mid-request, worker died) may be ended by any thread:
 *       the worker is killed, so a read still blocked on its pipe can steal nothing;</li>
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
    private static final Logger LOG = LoggerFactory.getLogger("pooly.lease");

    /** An idle lines lease looks for unasked output and a dead worker this often. */
    private static final long IDLE_POLL_NANOS = Duration.ofMillis(20).toNanos();
    /** After the client's checkin, bytes-mode output is relayed until the worker is quiet this long. */
    private static final long DRAIN_QUIET_NANOS = Duration.ofMillis(200).toNanos();
    private static final long DRAIN_MAX_NANOS = Duration.ofSeconds(5).toNanos();

    private enum Phase { ACTIVE, CHECKING_IN, ENDED }

    /** How a lease that returns its worker ends, once the reader has read its last. */
    private enum Return { CHECKIN, ABANDON, REFUSED }

    private final Pool pool;
    private final JsonNode request;
    private final RequestLines client;
    private final ControlServer.JsonLines out;
    private final Drain drain;
    private final SocketChannel channel;

    // Guards the session's state: the connection thread and the reader thread race to end the lease
    // (checkin vs client death vs request timeout vs worker death vs unasked output); one must win.
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // ---- guarded by lock
    private Phase phase = Phase.ACTIVE;
    private int outstanding;
    private Return returning;
    /** Deadlines (nanoTime) of the outstanding requests, oldest first; empty without a request timeout. */
    private final ArrayDeque<Long> deadlines = new ArrayDeque<>();
    // ----

    private Lease lease;
    private Duration requestTimeout;

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
        if (!timeout.isMissingNode() && "bytes".equals(request.path("mode").asText("lines"))) {
            out.send(ControlServer.error(ExitCode.USAGE, "request_timeout_ms needs mode lines: a byte stream has no requests to time"));
            return;
        }
        requestTimeout = timeout.isMissingNode() ? null : Duration.ofMillis(timeout.asLong());
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

    private ObjectNode draining() {
        return ControlServer.error(ExitCode.UNAVAILABLE, "pool " + pool.name() + ": the daemon is draining (shutting down) and lends no more workers");
    }

    private void relay() throws IOException {
        // One per call: debug (issue 22); what an operator acts on (replacements and why) stays info.
        LOG.atDebug().addKeyValue("pool", pool.name()).addKeyValue("pid", lease.pid())
                .log("pool {}: worker {} leased to a client", pool.name(), lease.pid());
        try {
            out.send(ControlServer.ok().put("pool", pool.name()).put("pid", lease.pid()));
        } catch (IOException e) {
            lease.abandon();
            throw e;
        }
        if ("bytes".equals(request.path("mode").asText("lines"))) bytes();
        else lines();
    }

    // ---- lines mode --------------------------------------------------------------------------------

    private void lines() {
        Thread reader = Threads.startReader("pooly-lease-" + lease.pid(), this::readAnswers);
        try {
            readRequests();
        } finally {
            join(reader);
        }
    }

    /** The connection thread: the client's messages, until the client goes or the lease ended. */
    private void readRequests() {
        OutputStream stdin = new BufferedOutputStream(lease.stdin(), 16 * 1024);
        while (true) {
            String text;
            try {
                text = client.readLine();
            } catch (RequestLines.TooLong e) {
                refuse(e.getMessage());
                return;
            } catch (IOException e) {
                text = null;
            }
            if (text == null) {
                clientGone();
                return;
            }
            JsonNode message;
            try {
                message = ControlServer.JSON.readTree(text);
            } catch (IOException e) {
                refuse("not a JSON message: " + e.getMessage());
                return;
            }
            if (message.has("line")) {
                JsonNode line = message.get("line");
                if (!line.isTextual()) {
                    refuse("\"line\" must be a string, was " + line);
                    return;
                }
                String value = line.asText();
                if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
                    refuse("a request line must not contain a line break (\\n or \\r); it was refused and reached no worker");
                    return;
                }
                Phase now;
                lock.lock();
                try {
                    now = phase;
                    if (now == Phase.ACTIVE) {
                        // Counted before it is written: an answer can then never be seen before its request.
                        outstanding++;
                        if (requestTimeout != null) deadlines.addLast(System.nanoTime() + requestTimeout.toNanos());
                        changed.signalAll();
                    }
                } finally {
                    lock.unlock();
                }
                if (now == Phase.ENDED) return;
                if (now == Phase.CHECKING_IN) {
                    refuse("nothing may follow checkin");
                    return;
                }
                try {
                    // The pool counts it too: a checkin with its answer unread then replaces the worker.
                    lease.expectAnswers(1);
                    stdin.write(value.getBytes(StandardCharsets.UTF_8));
                    stdin.write('\n');
                    if (!client.ready()) stdin.flush();
                } catch (IOException | PoolException e) {
                    endReplacing("worker " + lease.pid() + " stopped reading its stdin (" + e.getMessage() + ")",
                            ControlServer.error(ExitCode.FAILURE, "pool " + pool.name() + ": worker " + lease.pid()
                                    + " stopped reading its stdin (" + e.getMessage() + ")"));
                }
            } else {
                flushQuietly(stdin);
                String op = message.path("op").asText("");
                switch (op) {
                    case "checkin" -> {
                        Phase before;
                        lock.lock();
                        try {
                            before = phase;
                            if (before == Phase.ACTIVE) {
                                phase = Phase.CHECKING_IN;
                                if (returning == null) returning = Return.CHECKIN;
                                changed.signalAll();
                            }
                        } finally {
                            lock.unlock();
                        }
                        if (before == Phase.ENDED) return;
                        if (before == Phase.CHECKING_IN) {
                            refuse("nothing may follow checkin");
                            return;
                        }
                        // Keep reading: the client may still die while its answers are drained.
                    }
                    case "discard" -> {
                        if (endReplacing("discarded by its client", ControlServer.ok().put("checked_in", false))) {
                            LOG.debug("pool {}: worker {} discarded by its client", pool.name(), lease.pid());
                        }
                        return;
                    }
                    default -> {
                        refuse("unknown message " + text + "; a lease session takes {\"line\":...}, {\"op\":\"checkin\"} or {\"op\":\"discard\"}");
                        return;
                    }
                }
            }
        }
    }

    /**
     * The reader thread: answers in order while requests are outstanding; otherwise watches for
     * output nobody asked for, the worker's death, and the end of the lease; returns the worker when
     * the lease ends that way.
     */
    private void readAnswers() {
        InputStream stdout = lease.stdout();
        while (true) {
            // Read before the count (below): output seen with nothing outstanding was there before
            // any request was written, since a request is counted before it is written.
            int available = available(stdout);
            boolean read = false;
            boolean idle = false;
            Return returnNow = null;
            lock.lock();
            try {
                if (phase == Phase.ENDED) return;
                if (outstanding > 0) {
                    read = true;
                } else if (available > 0) {
                    // Falls through to unaskedOutput() below, which ends the lease.
                } else if (returning != null) {
                    returnNow = returning;
                    phase = Phase.ENDED;
                    changed.signalAll();
                } else {
                    idle = true;
                    changed.awaitNanos(IDLE_POLL_NANOS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                lock.unlock();
            }
            if (returnNow != null) {
                returnWorker(returnNow, stdout);
                return;
            }
            if (read) {
                if (!relayAnswer(stdout)) return;
            } else if (available > 0) {
                unaskedOutput(stdout, "after its last answer");
                return;
            } else if (idle && !lease.isAlive()) {
                workerGone(null);
                return;
            }
        }
    }

    /** Reads one answer and relays it; false when the session is over. */
    private boolean relayAnswer(InputStream stdout) {
        Duration deadline = null;
        if (requestTimeout != null) {
            lock.lock();
            try {
                Long oldest = deadlines.peekFirst();
                // The oldest outstanding request's deadline runs from when the daemon read it, not from now.
                if (oldest != null) deadline = Duration.ofNanos(Math.max(1, oldest - System.nanoTime()));
            } finally {
                lock.unlock();
            }
        }
        String answer;
        try {
            // The pool enforces the deadline: past it, it kills the worker (ending this read) and the lease
            // ends with REQUEST_TIMEOUT, which is what its metrics and log then say.
            answer = deadline == null ? lease.readLine() : lease.readLine(deadline);
        } catch (LeaseTimeoutException e) {
            endReplacing("missed its request timeout " + format(requestTimeout), ControlServer.error(ExitCode.TEMPORARY_FAILURE,
                    "pool " + pool.name() + ": request timeout: worker " + lease.pid() + " did not answer within "
                            + format(requestTimeout) + "; it was killed and is replaced"));
            return false;
        } catch (PoolException | IllegalStateException e) {
            workerGone(e.getMessage());
            return false;
        }
        boolean last;
        lock.lock();
        try {
            if (phase == Phase.ENDED) return false; // replaced meanwhile (timeout, client gone): the answer is nobody's
            outstanding--;
            deadlines.pollFirst();
            last = outstanding == 0;
        } finally {
            lock.unlock();
        }
        try {
            // Flush unless more answers are already waiting: batches bursts, keeps single requests prompt.
            out.write(ControlServer.JSON.createObjectNode().put("line", answer), last || available(stdout) == 0);
            return true;
        } catch (IOException e) {
            // The client went while its answer was on the way: the request was outstanding for it.
            endReplacing("its client vanished before receiving an answer", null);
            return false;
        }
    }

    /** The reader ended the lease as a return: confirm a checkin, then return the worker if it is still quiet. */
    private void returnWorker(Return how, InputStream stdout) {
        if (how == Return.CHECKIN) {
            try {
                out.send(ControlServer.ok().put("checked_in", true));
            } catch (IOException e) {
                how = Return.ABANDON; // it never learnt that its checkin was done
            }
        }
        // Looked at again after the confirmation's write: a surplus line written right after the answer
        // is caught here or by the pool's own looks at checkin and before it lends the worker again.
        // No sleep to wait for one: that would cost every lease its length under load.
        int unread = available(stdout);
        if (unread > 0) {
            LOG.warn("pool {}: worker {} wrote output nobody asked for ({}); it is replaced, not lent on",
                    pool.name(), lease.pid(), preview(stdout, unread));
            discardQuietly();
        } else if (how == Return.ABANDON) {
            LOG.warn("pool {}: client holding worker {} vanished with nothing outstanding; on_abandon {} applies",
                    pool.name(), lease.pid(), pool.spec().onAbandon().name().toLowerCase(java.util.Locale.ROOT));
            lease.abandon();
        } else {
            lease.close();
        }
        hangUp();
    }

    private void unaskedOutput(InputStream stdout, String when) {
        int unread = available(stdout);
        String what = preview(stdout, unread);
        endReplacing("wrote output nobody asked for " + when + " (" + what + ")", ControlServer.error(ExitCode.FAILURE,
                "pool " + pool.name() + ": worker " + lease.pid() + " wrote output nobody asked for " + when + " (" + what
                        + "); answers are matched to requests by order, so this call's answers may be shifted; the worker is replaced"));
    }

    /** The worker died or its lease was revoked (lease_timeout, pool restart); {@code why} when already known. */
    private void workerGone(String why) {
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

    private void clientGone() {
        if (endByClient(Return.ABANDON) == ClientEnd.MID_REQUEST) endReplacing("its client vanished with a request outstanding", null);
    }

    /** Refuses a client message with code 64; the lease ends: its worker returns if nothing is outstanding, else it is replaced. */
    private void refuse(String why) {
        ClientEnd end = endByClient(Return.REFUSED);
        if (end == ClientEnd.ALREADY_ENDED) return;
        ObjectNode refusal = ControlServer.error(ExitCode.USAGE, "pool " + pool.name() + ": " + why);
        if (end == ClientEnd.MID_REQUEST) {
            endReplacing("its client broke the protocol with a request outstanding", refusal);
        } else {
            sendQuietly(refusal);
        }
    }

    private enum ClientEnd { ALREADY_ENDED, RETURNING, MID_REQUEST }

    /**
     * The client ended the lease (it vanished, or broke the protocol). With nothing outstanding the
     * reader returns the worker {@code how} after its last read (or replaces it, if it is not quiet);
     * with a request outstanding the caller must end the lease replacing the worker.
     */
    private ClientEnd endByClient(Return how) {
        // Races the reader ending the lease (an answer, a dead worker, a timeout): one of them decides.
        lock.lock();
        try {
            if (phase == Phase.ENDED) return ClientEnd.ALREADY_ENDED;
            if (outstanding > 0) return ClientEnd.MID_REQUEST;
            returning = how;
            changed.signalAll();
            return ClientEnd.RETURNING;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the lease with its worker killed and replaced; {@code last} (if any) is the client's last
     * message. False when the lease had already ended.
     */
    private boolean endReplacing(String why, ObjectNode last) {
        lock.lock();
        try {
            if (phase == Phase.ENDED) return false;
            phase = Phase.ENDED;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        LOG.warn("pool {}: worker {} {}; it is replaced", pool.name(), lease.pid(), why);
        discardQuietly();
        if (last != null) sendQuietly(last);
        hangUp();
        return true;
    }

    // ---- bytes mode --------------------------------------------------------------------------------

    /** Set by the connection thread at the client's checkin (0 before); the reader then drains. */
    private volatile long drainSince;

    private void bytes() {
        Thread reader = Threads.startReader("pooly-lease-" + lease.pid(), this::relayBytes);
        try {
            while (true) {
                String text;
                try {
                    text = client.readLine();
                } catch (RequestLines.TooLong e) {
                    endReplacing("got a message over the limit from its client", ControlServer.error(ExitCode.USAGE,
                            "pool " + pool.name() + ": " + e.getMessage()));
                    return;
                } catch (IOException e) {
                    text = null;
                }
                if (text == null) {
                    bytesClientGone();
                    return;
                }
                JsonNode message;
                try {
                    message = ControlServer.JSON.readTree(text);
                } catch (IOException e) {
                    endReplacing("got a malformed message from its client", ControlServer.error(ExitCode.USAGE,
                            "pool " + pool.name() + ": not a JSON message: " + e.getMessage()));
                    return;
                }
                if (message.has("data")) {
                    if (drainSince != 0) {
                        endReplacing("got data after checkin", ControlServer.error(ExitCode.USAGE, "pool " + pool.name() + ": nothing may follow checkin"));
                        return;
                    }
                    try {
                        OutputStream stdin = lease.stdin();
                        stdin.write(Base64.getDecoder().decode(message.get("data").asText()));
                        stdin.flush();
                    } catch (IllegalArgumentException e) {
                        endReplacing("got bad base64 from its client", ControlServer.error(ExitCode.USAGE,
                                "pool " + pool.name() + ": \"data\" is not base64: " + e.getMessage()));
                        return;
                    } catch (IOException e) {
                        String why = "pool " + pool.name() + ": cannot write to worker " + lease.pid() + " (" + e.getMessage() + ")";
                        endReplacing("stopped reading its stdin", ControlServer.error(ExitCode.FAILURE, why));
                        return;
                    }
                } else {
                    String op = message.path("op").asText("");
                    if ("discard".equals(op)) {
                        if (endReplacing("discarded by its client", ControlServer.ok().put("checked_in", false))) {
                            LOG.debug("pool {}: worker {} discarded by its client", pool.name(), lease.pid());
                        }
                        return;
                    } else if ("checkin".equals(op) && drainSince == 0) {
                        drainSince = System.nanoTime();
                        // Keep reading: the client may still die while its output is drained.
                    } else {
                        endReplacing("got an unknown message from its client", ControlServer.error(ExitCode.USAGE,
                                "pool " + pool.name() + ": unknown message " + text));
                        return;
                    }
                }
            }
        } finally {
            join(reader);
        }
    }

    private void bytesClientGone() {
        lock.lock();
        try {
            if (phase == Phase.ENDED) return;
            // The reader polls, so it stops within a few ms and then applies on_abandon.
            returning = Return.ABANDON;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The reader thread of a bytes lease: polls, since a blocking read could not be taken back at checkin. */
    private void relayBytes() {
        InputStream stdout = lease.stdout();
        byte[] buf = new byte[16 * 1024];
        long pause = 1;
        long lastOutput = System.nanoTime();
        try {
            while (true) {
                Return returnNow = null;
                lock.lock();
                try {
                    if (phase == Phase.ENDED) return;
                    if (returning == Return.ABANDON) {
                        returnNow = Return.ABANDON;
                        phase = Phase.ENDED;
                    }
                } finally {
                    lock.unlock();
                }
                if (returnNow != null) {
                    // A byte stream's requests are not counted: the pool returns the worker only if its health
                    // request proves it quiet (whatever on_abandon says), else replaces it (contract section 5).
                    LOG.warn("pool {}: client holding worker {} (bytes mode) vanished; on_abandon {} applies to an uncounted lease",
                            pool.name(), lease.pid(), pool.spec().onAbandon().name().toLowerCase(java.util.Locale.ROOT));
                    lease.abandon();
                    return;
                }
                int available = stdout.available();
                if (available > 0) {
                    int n = stdout.read(buf, 0, Math.min(available, buf.length));
                    if (n < 0) {
                        workerGone(null);
                        return;
                    }
                    try {
                        out.send(ControlServer.JSON.createObjectNode().put("data", Base64.getEncoder().encodeToString(Arrays.copyOf(buf, n))));
                    } catch (IOException e) {
                        endReplacing("lost its client while relaying its output", null);
                        return;
                    }
                    lastOutput = System.nanoTime();
                    pause = 1;
                    continue;
                }
                long draining = drainSince;
                if (draining != 0) {
                    // Stdin ended: answers to the last input may still be on their way; relay them, not the next holder.
                    long now = System.nanoTime();
                    boolean quiet = now - Math.max(lastOutput, draining) > DRAIN_QUIET_NANOS;
                    if (quiet || now - draining > DRAIN_MAX_NANOS) {
                        bytesCheckin(quiet);
                        return;
                    }
                }
                if (!lease.isAlive()) {
                    workerGone(null);
                    return;
                }
                Thread.sleep(pause);
                pause = Math.min(pause * 2, 10);
            }
        } catch (IOException e) {
            workerGone(null);
        } catch (PoolException e) {
            workerGone(e.getMessage()); // the lease ended under it; a no-op when this session ended it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void bytesCheckin(boolean quiet) {
        if (!quiet) {
            endReplacing("kept writing for " + format(Duration.ofNanos(DRAIN_MAX_NANOS)) + " after its client's checkin",
                    ControlServer.error(ExitCode.FAILURE, "pool " + pool.name() + ": worker " + lease.pid() + " kept writing for "
                            + format(Duration.ofNanos(DRAIN_MAX_NANOS)) + " after checkin; it is replaced"));
            return;
        }
        boolean abandoned;
        lock.lock();
        try {
            if (phase == Phase.ENDED) return;
            abandoned = returning == Return.ABANDON;
            phase = Phase.ENDED;
        } finally {
            lock.unlock();
        }
        if (abandoned) {
            lease.abandon();
        } else {
            lease.close();
            sendQuietly(ControlServer.ok().put("checked_in", true));
        }
        hangUp();
    }

    // ---- helpers -----------------------------------------------------------------------------------

    /** Up to 80 characters of what the worker wrote unasked, for the log and the client. */
    private static String preview(InputStream stdout, int available) {
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
    private static int available(InputStream stdout) {
        try {
            return stdout.available();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private void discardQuietly() {
        try {
            lease.discard();
        } catch (IllegalStateException | PoolException e) {
            // Already ended by the pool (the worker died, the lease was revoked): it is being replaced anyway.
        }
    }

    private void sendQuietly(ObjectNode message) {
        try {
            out.send(message);
        } catch (IOException e) {
            // The client is gone as well; the connection thread sees it.
        }
    }

    /** Ends the client's side of the session: the connection thread's read returns end of stream. */
    private void hangUp() {
        try {
            channel.shutdownInput();
        } catch (IOException e) {
            // Closed already.
        }
    }

    private static String format(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    private static void join(Thread reader) {
        try {
            reader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void flushQuietly(OutputStream out) {
        try {
            out.flush();
        } catch (IOException ignored) {
            // The worker is gone; the reader reports it.
        }
    }
}
