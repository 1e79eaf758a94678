package dev.pooly.cli.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pooly.cli.ExitCode;
import dev.pooly.pool.FrameException;
import dev.pooly.pool.Lease;
import dev.pooly.pool.LeaseTimeoutException;
import dev.pooly.pool.PoolException;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ConcurrentLinkedQueue;

import static dev.pooly.cli.daemon.LeaseSession.LOG;
import static dev.pooly.cli.daemon.LeaseSession.available;
import static dev.pooly.cli.daemon.LeaseSession.format;
import static dev.pooly.cli.daemon.LeaseSession.preview;

/**
 * The {@code lines} relay: the client's {@code {"line":...}} messages are pipelined to the worker's
 * stdin, counted in the {@link SessionState} before they are written, and the worker's answer lines
 * relayed back in order; {@code checkin} drains the outstanding answers, then the reader returns the
 * worker if it is quiet. Output with nothing outstanding ends the lease replacing the worker.
 * {@code {"frame":"TEXT"}} and {@code {"frame_base64":"..."}} are taken too, so a client can use one
 * form for every pool: on a line pool a frame is one line without its line break, and its answer
 * line comes back in the request's form.
 *
 * <p>Threads: {@link #readRequests} on the connection thread, {@link #readAnswers} on one platform
 * reader thread; they share only the session's {@link SessionState} (and the client's
 * {@link ControlServer.JsonLines}, which has its own lock) and {@link #frames}, a lock-free queue.
 */
final class LinesRelay implements Relay {
    /** An idle lines lease looks for unasked output and a dead worker this often. */
    private static final long IDLE_POLL_NANOS = Duration.ofMillis(20).toNanos();

    private final LeaseSession session;
    private final SessionState state;
    private final Lease lease;

    /** A request that came as a frame message: its answer goes back in that form, not as {@code {"line"}}. */
    private record Framed(long index, boolean base64) {}

    /**
     * The frame-form requests, in order, each with its index among all requests: the connection thread
     * adds one before it counts and writes the request, so the reader finds it before its answer can
     * exist (the queue's own hand-off publishes it). Line requests add nothing: they pay one peek.
     */
    private final ConcurrentLinkedQueue<Framed> frames = new ConcurrentLinkedQueue<>();
    /** Requests read so far; the connection thread only. */
    private long requests;
    /** Answers read so far; the reader thread only. */
    private long answers;

    LinesRelay(LeaseSession session) {
        this.session = session;
        this.state = session.state;
        this.lease = session.lease;
    }

    @Override
    public void run() {
        Thread reader = Threads.startReader("pooly-lease-" + lease.pid(), this::readAnswers);
        try {
            readRequests();
        } finally {
            LeaseSession.join(reader);
        }
    }

    /** The connection thread: the client's messages, until the client goes or the lease ended. */
    private void readRequests() {
        OutputStream stdin = new BufferedOutputStream(lease.stdin(), 16 * 1024);
        while (true) {
            JsonNode message = session.nextMessage();
            if (message == null) return;
            if (message.has("line")) {
                if (!request(message.get("line"), stdin)) return;
            } else if (message.has("frame") || message.has("frame_base64")) {
                if (!frame(message, stdin)) return;
            } else {
                LeaseSession.flushQuietly(stdin);
                String op = message.path("op").asText("");
                switch (op) {
                    case "checkin" -> {
                        SessionState.Phase before = state.beginCheckin();
                        if (before == SessionState.Phase.ENDED) return;
                        if (before == SessionState.Phase.CHECKING_IN) {
                            session.refuse("nothing may follow checkin");
                            return;
                        }
                        // Keep reading: the client may still die while its answers are drained.
                    }
                    case "discard" -> {
                        session.discardedByClient();
                        return;
                    }
                    default -> {
                        session.refuse("unknown message " + message + "; a lease session takes {\"line\":...}, {\"frame\":\"TEXT\"}, "
                                + "{\"frame_base64\":\"...\"}, {\"op\":\"checkin\"} or {\"op\":\"discard\"}");
                        return;
                    }
                }
            }
        }
    }

    /** One {@code {"line":...}} message: counted, then written. False when the session is over. */
    private boolean request(JsonNode line, OutputStream stdin) {
        if (!line.isTextual()) {
            session.refuse("\"line\" must be a string, was " + line);
            return false;
        }
        String value = line.asText();
        if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
            session.refuse("a request line must not contain a line break (\\n or \\r); it was refused and reached no worker");
            return false;
        }
        requests++;
        return write(value.getBytes(StandardCharsets.UTF_8), stdin);
    }

    /** One {@code {"frame":...}} or {@code {"frame_base64":...}} message on a line pool: one line without its break. */
    private boolean frame(JsonNode message, OutputStream stdin) {
        boolean base64 = !message.has("frame");
        JsonNode value = base64 ? message.get("frame_base64") : message.get("frame");
        if (!value.isTextual()) {
            session.refuse("\"" + (base64 ? "frame_base64" : "frame") + "\" must be a string, was " + value);
            return false;
        }
        byte[] payload;
        try {
            payload = base64 ? Base64.getDecoder().decode(value.asText()) : value.asText().getBytes(StandardCharsets.UTF_8);
            lease.framing().codec().check(payload); // no line break inside, at most max
        } catch (IllegalArgumentException e) {
            session.refuse("frame_base64 is not valid base64 (" + e.getMessage() + "); it was refused and reached no worker");
            return false;
        } catch (FrameException e) {
            session.refuse(e.getMessage() + "; it was refused and reached no worker");
            return false;
        }
        frames.add(new Framed(requests++, base64)); // before the count: the reader looks for it once the answer is in
        return write(payload, stdin);
    }

    /** Counts one request, then writes it and its newline. False when the session is over. */
    private boolean write(byte[] bytes, OutputStream stdin) {
        SessionState.Phase now = state.countRequest();
        if (now == SessionState.Phase.ENDED) return false;
        if (now == SessionState.Phase.CHECKING_IN) {
            session.refuse("nothing may follow checkin");
            return false;
        }
        try {
            // The pool counts it too: a checkin with its answer unread then replaces the worker.
            lease.expectAnswers(1);
            stdin.write(bytes);
            stdin.write('\n');
            if (!session.client.ready()) stdin.flush();
        } catch (IOException | PoolException e) {
            session.endReplacing("worker " + lease.pid() + " stopped reading its stdin (" + e.getMessage() + ")",
                    ControlServer.error(ExitCode.FAILURE, "pool " + session.pool.name() + ": worker " + lease.pid()
                            + " stopped reading its stdin (" + e.getMessage() + ")"));
        }
        return true;
    }

    /**
     * The reader thread: answers in order while requests are outstanding; otherwise watches for
     * output nobody asked for, the worker's death, and the end of the lease; returns the worker when
     * the lease ends that way.
     */
    private void readAnswers() {
        InputStream stdout = lease.stdout();
        boolean seenDead = false;
        while (true) {
            // Read before the count (in nextStep): output seen with nothing outstanding was there before
            // any request was written, since a request is counted before it is written.
            int available = available(stdout);
            SessionState.Step step;
            try {
                step = state.nextStep(available, IDLE_POLL_NANOS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            switch (step) {
                case STOP -> {
                    return;
                }
                case RETURN -> {
                    int unread = available(stdout); // looked at again: a surplus written right after the answer
                    session.returnWorker(state.returned(), unread > 0 ? preview(stdout, unread) : null);
                    return;
                }
                case ANSWER -> {
                    if (!relayAnswer(stdout)) return;
                }
                case UNASKED -> {
                    unaskedOutput(stdout, "after its last answer");
                    return;
                }
                case IDLE -> {
                    // A worker that answers and exits at once can be seen dead while the request it
                    // answered was being counted: look once more (the count and the answer in the pipe
                    // are then seen) before calling it gone.
                    if (!lease.isAlive()) {
                        if (seenDead) {
                            session.workerGone(null);
                            return;
                        }
                        seenDead = true;
                    }
                }
            }
        }
    }

    /** Reads one answer and relays it; false when the session is over. */
    private boolean relayAnswer(InputStream stdout) {
        Duration deadline = state.oldestDeadline();
        String answer;
        try {
            // The pool enforces the deadline: past it, it kills the worker (ending this read) and the lease
            // ends with REQUEST_TIMEOUT, which is what its metrics and log then say.
            answer = deadline == null ? lease.readLine() : lease.readLine(deadline);
        } catch (LeaseTimeoutException e) {
            Duration timeout = session.requestTimeout;
            session.endReplacing("missed its request timeout " + format(timeout), ControlServer.error(ExitCode.TEMPORARY_FAILURE,
                    "pool " + session.pool.name() + ": request timeout: worker " + lease.pid() + " did not answer within "
                            + format(timeout) + "; it was killed and is replaced"));
            return false;
        } catch (PoolException | IllegalStateException e) {
            session.workerGone(e.getMessage());
            return false;
        }
        long index = answers++;
        SessionState.Answered answered = state.answerRead();
        if (answered == SessionState.Answered.ENDED) return false; // replaced meanwhile (timeout, client gone): the answer is nobody's
        Framed framed = frames.peek();
        ObjectNode message = ControlServer.JSON.createObjectNode();
        if (framed != null && framed.index() == index) {
            frames.poll();
            if (framed.base64()) message.put("frame_base64", Base64.getEncoder().encodeToString(answer.getBytes(StandardCharsets.UTF_8)));
            else message.put("frame", answer);
        } else {
            message.put("line", answer);
        }
        try {
            // Flush unless more answers are already waiting: batches bursts, keeps single requests prompt.
            session.out.write(message,
                    answered == SessionState.Answered.LAST || available(stdout) == 0);
            return true;
        } catch (IOException e) {
            // The client went while its answer was on the way: the request was outstanding for it.
            session.endReplacing("its client vanished before receiving an answer", null);
            return false;
        }
    }

    private void unaskedOutput(InputStream stdout, String when) {
        int unread = available(stdout);
        String what = preview(stdout, unread);
        String found = "wrote output nobody asked for " + when + " (" + what + ")";
        session.endReplacing(found, ControlServer.error(ExitCode.FAILURE, LeaseSession.shiftedMessage(session.pool.name(), lease.pid(), found)));
    }

}
