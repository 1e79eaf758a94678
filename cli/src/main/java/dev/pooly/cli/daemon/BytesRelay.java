package dev.pooly.cli.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pooly.cli.ExitCode;
import dev.pooly.pool.Lease;
import dev.pooly.pool.PoolException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;

import static dev.pooly.cli.daemon.LeaseSession.LOG;
import static dev.pooly.cli.daemon.LeaseSession.format;

/**
 * The {@code bytes} relay: the client's base64 {@code {"data":...}} chunks go to the worker's stdin
 * as they come, and whatever the worker writes goes back as chunks. A byte stream has no requests to
 * count: at {@code checkin} the reader drains the worker's output until it is quiet for
 * {@value #DRAIN_QUIET_MS} ms (at most {@value #DRAIN_MAX_S} s) and then returns it; a client that
 * vanishes leaves the worker to on_abandon, which the pool applies to an uncounted lease (contract
 * section 5).
 *
 * <p>Threads: the connection thread reads the client and writes the worker's stdin; one platform
 * reader thread polls the worker's stdout (a blocking read could not be taken back at checkin).
 * They share the session's {@link SessionState} and {@link #drainSince}.
 */
final class BytesRelay implements Relay {
    private static final long DRAIN_QUIET_MS = 200;
    private static final long DRAIN_MAX_S = 5;
    /** After the client's checkin, bytes-mode output is relayed until the worker is quiet this long. */
    private static final long DRAIN_QUIET_NANOS = Duration.ofMillis(DRAIN_QUIET_MS).toNanos();
    private static final long DRAIN_MAX_NANOS = Duration.ofSeconds(DRAIN_MAX_S).toNanos();

    private final LeaseSession session;
    private final SessionState state;
    private final Lease lease;
    private final String poolName;

    /** Set by the connection thread at the client's checkin (0 before); the reader then drains. */
    private volatile long drainSince;

    BytesRelay(LeaseSession session) {
        this.session = session;
        this.state = session.state;
        this.lease = session.lease;
        this.poolName = session.pool.name();
    }

    @Override
    public void run() {
        Thread reader = Threads.startReader("pooly-lease-" + lease.pid(), this::relayOutput);
        try {
            readClient();
        } finally {
            LeaseSession.join(reader);
        }
    }

    /** The connection thread: the client's chunks and ops, until the client goes or the lease ended. */
    private void readClient() {
        while (true) {
            String text;
            try {
                text = session.client.readLine();
            } catch (RequestLines.TooLong e) {
                session.endReplacing("got a message over the limit from its client", ControlServer.error(ExitCode.USAGE,
                        "pool " + poolName + ": " + e.getMessage()));
                return;
            } catch (IOException e) {
                text = null;
            }
            if (text == null) {
                // The reader polls, so it stops within a few ms and then applies on_abandon.
                state.endByClient(SessionState.Return.ABANDON);
                return;
            }
            JsonNode message;
            try {
                message = ControlServer.JSON.readTree(text);
            } catch (IOException e) {
                session.endReplacing("got a malformed message from its client", ControlServer.error(ExitCode.USAGE,
                        "pool " + poolName + ": " + ControlServer.notJson("not a JSON message: expected one JSON object per line, such as {\"data\":\"BASE64\"} or {\"op\":\"checkin\"}", e)));
                return;
            }
            if (message.has("data")) {
                if (drainSince != 0) {
                    session.endReplacing("got data after checkin", ControlServer.error(ExitCode.USAGE, "pool " + poolName + ": nothing may follow checkin"));
                    return;
                }
                try {
                    OutputStream stdin = lease.stdin();
                    stdin.write(Base64.getDecoder().decode(message.get("data").asText()));
                    stdin.flush();
                } catch (IllegalArgumentException e) {
                    session.endReplacing("got bad base64 from its client", ControlServer.error(ExitCode.USAGE,
                            "pool " + poolName + ": \"data\" is not base64: " + e.getMessage()));
                    return;
                } catch (IOException e) {
                    String why = "pool " + poolName + ": cannot write to worker " + lease.pid() + " (" + e.getMessage() + ")";
                    session.endReplacing("stopped reading its stdin", ControlServer.error(ExitCode.FAILURE, why));
                    return;
                }
            } else {
                String op = message.path("op").asText("");
                if ("discard".equals(op)) {
                    session.discardedByClient();
                    return;
                } else if ("checkin".equals(op) && drainSince == 0) {
                    drainSince = System.nanoTime();
                    // Keep reading: the client may still die while its output is drained.
                } else {
                    session.endReplacing("got an unknown message from its client", ControlServer.error(ExitCode.USAGE,
                            "pool " + poolName + ": unknown message " + text));
                    return;
                }
            }
        }
    }

    /** The reader thread: polls, since a blocking read could not be taken back at checkin. */
    private void relayOutput() {
        InputStream stdout = lease.stdout();
        byte[] buf = new byte[16 * 1024];
        long pause = 1;
        long lastOutput = System.nanoTime();
        try {
            while (true) {
                SessionState.BytesStep step = state.bytesStep();
                if (step == SessionState.BytesStep.STOP) return;
                if (step == SessionState.BytesStep.ABANDONED) {
                    // A byte stream's requests are not counted: the pool returns the worker only if its health
                    // request proves it quiet (whatever on_abandon says), else replaces it (contract section 5).
                    LOG.warn("pool {}: client holding worker {} (bytes mode) vanished; on_abandon {} applies to an uncounted lease",
                            poolName, lease.pid(), session.pool.spec().onAbandon().name().toLowerCase(java.util.Locale.ROOT));
                    lease.abandon();
                    return;
                }
                int available = stdout.available();
                if (available > 0) {
                    int n = stdout.read(buf, 0, Math.min(available, buf.length));
                    if (n < 0) {
                        session.workerGone(null);
                        return;
                    }
                    try {
                        session.out.send(ControlServer.JSON.createObjectNode().put("data", Base64.getEncoder().encodeToString(Arrays.copyOf(buf, n))));
                    } catch (IOException e) {
                        session.endReplacing("lost its client while relaying its output", null);
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
                        checkin(quiet);
                        return;
                    }
                }
                if (!lease.isAlive()) {
                    session.workerGone(null);
                    return;
                }
                Thread.sleep(pause);
                pause = Math.min(pause * 2, 10);
            }
        } catch (IOException e) {
            session.workerGone(null);
        } catch (PoolException e) {
            session.workerGone(e.getMessage()); // the lease ended under it; a no-op when this session ended it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The drain after the client's checkin is over: return the worker if it went quiet, else replace it. */
    private void checkin(boolean quiet) {
        if (!quiet) {
            session.endReplacing("kept writing for " + format(Duration.ofNanos(DRAIN_MAX_NANOS)) + " after its client's checkin",
                    ControlServer.error(ExitCode.FAILURE, "pool " + poolName + ": worker " + lease.pid() + " kept writing for "
                            + format(Duration.ofNanos(DRAIN_MAX_NANOS)) + " after checkin; it is replaced"));
            return;
        }
        SessionState.Return how = state.endReturning();
        if (how == null) return;
        if (how == SessionState.Return.ABANDON) {
            lease.abandon();
        } else {
            lease.close();
            session.sendQuietly(ControlServer.ok().put("checked_in", true));
        }
        session.hangUp();
    }
}
