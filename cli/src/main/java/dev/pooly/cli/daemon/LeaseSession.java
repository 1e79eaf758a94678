package dev.pooly.cli.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pooly.cli.ExitCode;
import dev.pooly.pool.Lease;
import dev.pooly.pool.Pool;
import dev.pooly.pool.PoolException;
import dev.pooly.pool.PoolInterruptedException;
import dev.pooly.pool.PoolTimeoutException;
import dev.pooly.supervisor.internal.Threads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One client's lease, relayed over its connection (docs/protocol.md). In {@code lines} mode request
 * lines are pipelined to the worker and its response lines relayed back in order; in {@code bytes}
 * mode raw chunks go both ways. The session ends with the client's {@code checkin} or
 * {@code discard}; a connection that ends without either is a consumer death, and the pool's
 * {@code on_abandon} decides, except that a worker with a request in flight is always replaced
 * (returning it would hand its late answer to the next holder).
 *
 * <p>Threads: the connection's thread reads the client and writes the worker's stdin; one platform
 * reader thread reads the worker's stdout (a blocking pipe read) and writes the client.
 */
final class LeaseSession {
    private static final Logger LOG = LoggerFactory.getLogger("pooly.lease");

    private final Pool pool;
    private final JsonNode request;
    private final BufferedReader client;
    private final ControlServer.JsonLines out;
    private final Drain drain;

    LeaseSession(Pool pool, JsonNode request, BufferedReader client, ControlServer.JsonLines out, Drain drain) {
        this.drain = drain;
        this.pool = pool;
        this.request = request;
        this.client = client;
        this.out = out;
    }

    void run() throws IOException {
        if (drain.draining()) {
            out.send(draining());
            return;
        }
        Lease lease;
        try {
            if (request.path("no_wait").asBoolean(false)) {
                lease = pool.tryCheckout().orElse(null);
                if (lease == null) {
                    out.send(ControlServer.error(ExitCode.TEMPORARY_FAILURE, "pool " + pool.name() + " is full"));
                    return;
                }
            } else {
                Duration timeout = request.has("timeout_ms") ? Duration.ofMillis(request.get("timeout_ms").asLong())
                        : pool.spec().checkoutTimeout();
                lease = pool.checkout(timeout);
            }
        } catch (PoolTimeoutException e) {
            out.send(ControlServer.error(ExitCode.TEMPORARY_FAILURE, e.getMessage()));
            return;
        } catch (PoolInterruptedException e) {
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
            relay(lease);
        } finally {
            drain.end();
        }
    }

    private ObjectNode draining() {
        return ControlServer.error(ExitCode.UNAVAILABLE, "pool " + pool.name() + ": the daemon is draining (shutting down) and lends no more workers");
    }

    private void relay(Lease lease) throws IOException {
        LOG.info("pool {}: worker {} leased to a client", pool.name(), lease.pid());
        ObjectNode granted = ControlServer.ok().put("pool", pool.name()).put("pid", lease.pid());
        try {
            out.send(granted);
        } catch (IOException e) {
            lease.abandon();
            throw e;
        }
        if ("bytes".equals(request.path("mode").asText("lines"))) bytes(lease);
        else lines(lease);
    }

    private void lines(Lease lease) throws IOException {
        LinkedBlockingQueue<Boolean> expected = new LinkedBlockingQueue<>();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicReference<String> failure = new AtomicReference<>();
        Thread reader = Threads.startReader("pooly-lease-" + lease.pid(), () -> {
            InputStream stdout = null;
            try {
                while (expected.take()) {
                    String response = lease.readLine();
                    inFlight.decrementAndGet();
                    if (stdout == null) stdout = lease.stdout();
                    // Flush unless more answers are already waiting: batches bursts, keeps single requests prompt.
                    out.write(ControlServer.JSON.createObjectNode().put("line", response), expected.isEmpty() || stdout.available() == 0);
                }
            } catch (PoolException e) {
                fail(failure, e.getMessage());
            } catch (IOException e) {
                failure.compareAndSet(null, "client gone");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        OutputStream stdin = new BufferedOutputStream(lease.stdin(), 16 * 1024);
        try {
            while (true) {
                String text = client.readLine();
                if (text == null) {
                    abandoned(lease, inFlight.get() > 0);
                    return;
                }
                JsonNode message = ControlServer.JSON.readTree(text);
                if (message.has("line")) {
                    if (failure.get() != null) continue;
                    inFlight.incrementAndGet();
                    try {
                        stdin.write(message.get("line").asText().getBytes(StandardCharsets.UTF_8));
                        stdin.write('\n');
                        if (!client.ready()) stdin.flush();
                    } catch (IOException e) {
                        fail(failure, "pool " + pool.name() + ": worker " + lease.pid() + " stopped reading its stdin (" + e.getMessage() + ")");
                        continue;
                    }
                    expected.add(true);
                } else {
                    String op = message.path("op").asText("");
                    flushQuietly(stdin);
                    expected.add(false);
                    join(reader);
                    end(lease, op, failure.get());
                    return;
                }
            }
        } finally {
            expected.add(false);
        }
    }

    /** After the client's checkin, output is relayed until the worker is quiet this long. */
    private static final long DRAIN_QUIET_NANOS = Duration.ofMillis(200).toNanos();
    private static final long DRAIN_MAX_NANOS = Duration.ofSeconds(5).toNanos();

    private void bytes(Lease lease) throws IOException {
        AtomicLong drainSince = new AtomicLong(); // 0 while the client is still sending
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> failure = new AtomicReference<>();
        Thread reader = Threads.startReader("pooly-lease-" + lease.pid(), () -> {
            // Polls: a blocking read could not be taken back at checkin and would steal the next holder's bytes.
            InputStream stdout = lease.stdout();
            byte[] buf = new byte[16 * 1024];
            long pause = 1;
            long lastOutput = System.nanoTime();
            try {
                while (!stop.get()) {
                    int available = stdout.available();
                    if (available > 0) {
                        int n = stdout.read(buf, 0, Math.min(available, buf.length));
                        if (n < 0) break;
                        out.send(ControlServer.JSON.createObjectNode().put("data", Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buf, n))));
                        lastOutput = System.nanoTime();
                        pause = 1;
                        continue;
                    }
                    long draining = drainSince.get();
                    if (draining != 0) {
                        // Stdin ended: answers to the last input may still be on their way; relay them, not the next holder.
                        long now = System.nanoTime();
                        if (now - Math.max(lastOutput, draining) > DRAIN_QUIET_NANOS || now - draining > DRAIN_MAX_NANOS) break;
                    }
                    if (!lease.isAlive()) {
                        fail(failure, "pool " + pool.name() + ": worker " + lease.pid() + " is gone");
                        break;
                    }
                    Thread.sleep(pause);
                    pause = Math.min(pause * 2, 10);
                }
            } catch (IOException e) {
                failure.compareAndSet(null, "client gone");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            while (true) {
                String text = client.readLine();
                if (text == null) {
                    stop.set(true);
                    abandoned(lease, false);
                    return;
                }
                JsonNode message = ControlServer.JSON.readTree(text);
                if (message.has("data")) {
                    if (failure.get() != null) continue;
                    try {
                        OutputStream stdin = lease.stdin();
                        stdin.write(Base64.getDecoder().decode(message.get("data").asText()));
                        stdin.flush();
                    } catch (IOException | IllegalArgumentException e) {
                        fail(failure, "pool " + pool.name() + ": cannot write to worker " + lease.pid() + " (" + e.getMessage() + ")");
                    }
                } else {
                    String op = message.path("op").asText("");
                    if ("discard".equals(op)) stop.set(true);
                    else drainSince.set(System.nanoTime());
                    join(reader);
                    end(lease, op, failure.get());
                    return;
                }
            }
        } finally {
            stop.set(true);
        }
    }

    private void fail(AtomicReference<String> failure, String message) {
        if (!failure.compareAndSet(null, message)) return;
        try {
            out.send(ControlServer.error(ExitCode.FAILURE, message));
        } catch (IOException ignored) {
            // The client is gone as well; the connection thread will see it.
        }
    }

    private void end(Lease lease, String op, String failure) throws IOException {
        if ("discard".equals(op)) {
            lease.discard();
            LOG.info("pool {}: worker {} discarded by its client", pool.name(), lease.pid());
        } else {
            lease.close();
        }
        if (failure == null) out.send(ControlServer.ok().put("checked_in", !"discard".equals(op)));
    }

    private void abandoned(Lease lease, boolean midRequest) {
        LOG.warn("pool {}: client holding worker {} vanished{}", pool.name(), lease.pid(), midRequest ? " mid-request; replacing the worker" : "");
        if (midRequest) lease.discard();
        else lease.abandon();
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
