package dev.pooly.cli.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pooly.cli.ExitCode;
import dev.pooly.pool.BadFrameException;
import dev.pooly.pool.FrameException;
import dev.pooly.pool.Framing;
import dev.pooly.pool.Lease;
import dev.pooly.pool.LeaseTimeoutException;
import dev.pooly.pool.PoolException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ConcurrentLinkedQueue;

import static dev.pooly.cli.daemon.LeaseSession.format;

/**
 * The {@code lines} relay of a pool with a framing other than {@code line} (contract section 5, "Lease
 * protocol with frames"): the client's {@code {"frame":"TEXT"}} and {@code {"frame_base64":"..."}}
 * messages are checked against the pool's framing (a request that cannot be framed is refused with 64
 * and reaches no worker), counted in the {@link SessionState}, and written as one frame each; the
 * worker's answer frames are relayed back in order, each in the form of the request that caused it.
 * A bad answer frame (malformed, over {@code max}, cut short) or output with no request outstanding
 * ends the session with code 1, the error showing the first bytes; the worker is replaced.
 *
 * <p>Threads as in {@link LinesRelay}: {@link #readRequests} on the connection thread, {@link #readAnswers}
 * on one platform reader thread. They share the {@link SessionState} and {@link #forms}, a lock-free
 * queue: the connection thread adds a request's form before the request is counted and written, so the
 * reader, which takes one form per answer, always finds it (the count's volatile write publishes it).
 */
final class FramesRelay implements Relay {
    private static final long IDLE_POLL_NANOS = Duration.ofMillis(20).toNanos();

    /** How a request came, so its answer goes back the same way. */
    private enum Form { TEXT, BASE64 }

    private final LeaseSession session;
    private final SessionState state;
    private final Lease lease;
    private final ConcurrentLinkedQueue<Form> forms = new ConcurrentLinkedQueue<>();

    FramesRelay(LeaseSession session) {
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

    private void readRequests() {
        while (true) {
            JsonNode message = session.nextMessage();
            if (message == null) return;
            if (message.has("frame") || message.has("frame_base64")) {
                if (!request(message)) return;
                continue;
            }
            switch (message.path("op").asText("")) {
                case "checkin" -> {
                    SessionState.Phase before = state.beginCheckin();
                    if (before == SessionState.Phase.ENDED) return;
                    if (before == SessionState.Phase.CHECKING_IN) {
                        session.refuse("nothing may follow checkin");
                        return;
                    }
                }
                case "discard" -> {
                    session.discardedByClient();
                    return;
                }
                default -> {
                    session.refuse((message.has("line") ? "{\"line\":...} is for line pools; this pool's framing is " + lease.framing().kind()
                            : "unknown message " + preview(message.toString())) + "; a lease session on it takes {\"frame\":\"TEXT\"}, {\"frame_base64\":\"...\"}, "
                            + "{\"op\":\"checkin\"} or {\"op\":\"discard\"}");
                    return;
                }
            }
        }
    }

    /** One request frame: decoded, checked, counted, written. False when the session is over. */
    private boolean request(JsonNode message) {
        Form form = message.has("frame") ? Form.TEXT : Form.BASE64;
        JsonNode value = form == Form.TEXT ? message.get("frame") : message.get("frame_base64");
        if (!value.isTextual()) {
            session.refuse("\"" + (form == Form.TEXT ? "frame" : "frame_base64") + "\" must be a string, was " + preview(value.toString()));
            return false;
        }
        byte[] payload;
        if (form == Form.TEXT) {
            payload = value.asText().getBytes(StandardCharsets.UTF_8);
        } else {
            try {
                payload = Base64.getDecoder().decode(value.asText());
            } catch (IllegalArgumentException e) {
                session.refuse("frame_base64 is not valid base64 (" + e.getMessage() + "); it was refused and reached no worker");
                return false;
            }
        }
        try {
            lease.framing().codec().check(payload);
        } catch (FrameException e) {
            session.refuse(e.getMessage() + "; it was refused and reached no worker");
            return false;
        }
        forms.add(form); // before the count: the reader takes one form per answer it relays
        SessionState.Phase now = state.countRequest();
        if (now == SessionState.Phase.ENDED) return false;
        if (now == SessionState.Phase.CHECKING_IN) {
            session.refuse("nothing may follow checkin");
            return false;
        }
        try {
            lease.writeFrame(payload); // counted by the pool too: a checkin with its answer unread replaces the worker
        } catch (PoolException | IllegalStateException e) {
            session.endReplacing("worker " + lease.pid() + " stopped reading its stdin (" + e.getMessage() + ")",
                    session.error(ExitCode.FAILURE, "worker " + lease.pid() + " stopped reading its stdin (" + e.getMessage() + ")"));
        }
        return true;
    }

    /** The reader thread, as {@link LinesRelay}'s, with whole answer frames. */
    private void readAnswers() {
        InputStream stdout = lease.stdout();
        boolean seenDead = false;
        while (true) {
            int available = lease.unreadOutput(); // filler between frames (JSON's whitespace) is not output
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
                    int unread = lease.unreadOutput(); // looked at again: a surplus frame written right after the answer
                    session.returnWorker(state.returned(), unread > 0 ? "\"" + firstBytes(stdout, unread) + "\"" : null);
                    return;
                }
                case ANSWER -> {
                    if (!relayAnswer()) return;
                }
                case UNASKED -> {
                    unasked(stdout, "after its last answer");
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

    private boolean relayAnswer() {
        Duration deadline = state.oldestDeadline();
        byte[] answer;
        try {
            answer = lease.readFrame(deadline);
        } catch (LeaseTimeoutException e) {
            Duration timeout = session.requestTimeout;
            session.endReplacing("missed its request timeout " + format(timeout), ControlServer.error(ExitCode.TEMPORARY_FAILURE,
                    "pool " + session.pool.name() + ": request timeout: worker " + lease.pid() + " did not answer within "
                            + format(timeout) + "; it was killed and is replaced"));
            return false;
        } catch (BadFrameException e) {
            // The lease has ended and the worker is being replaced (ProcessLease logged it): tell the client.
            session.endReplacing("wrote a bad answer frame", ControlServer.error(ExitCode.FAILURE, e.getMessage()));
            return false;
        } catch (PoolException | IllegalStateException e) {
            session.workerGone(e.getMessage());
            return false;
        }
        Form form = forms.poll();
        SessionState.Answered answered = state.answerRead();
        if (answered == SessionState.Answered.ENDED) return false;
        ObjectNode message = ControlServer.JSON.createObjectNode();
        if (form == Form.BASE64) message.put("frame_base64", Base64.getEncoder().encodeToString(answer));
        else message.put("frame", new String(answer, StandardCharsets.UTF_8));
        try {
            session.out.write(message, answered == SessionState.Answered.LAST || lease.unreadOutput() == 0);
            return true;
        } catch (IOException e) {
            session.endReplacing("its client vanished before receiving an answer", null);
            return false;
        }
    }

    /** Surplus output: the session ends with code 1 showing its first bytes. */
    private void unasked(InputStream stdout, String when) {
        String what = firstBytes(stdout, lease.unreadOutput());
        session.endReplacing("wrote output nobody asked for " + when + " (\"" + what + "\")", ControlServer.error(ExitCode.FAILURE,
                "pool " + session.pool.name() + ": worker " + lease.pid() + " wrote a surplus answer frame (" + lease.framing().kind()
                        + ") " + when + ", with no request outstanding; first bytes: \"" + what + "\"; the worker is replaced"));
    }

    /** Up to 200 of the bytes the worker wrote, escaped. */
    private static String firstBytes(InputStream stdout, int available) {
        byte[] bytes = new byte[Math.min(Math.max(available, 0), 200)];
        try {
            int n = bytes.length == 0 ? 0 : stdout.read(bytes);
            return Framing.escape(bytes, Math.max(n, 0)) + (available > 200 ? "..." : "");
        } catch (IOException | RuntimeException e) {
            return available + " bytes";
        }
    }

    private static String preview(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

}
