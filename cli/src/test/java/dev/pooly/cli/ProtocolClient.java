package dev.pooly.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A client of docs/protocol.md written from the document, not from the daemon's code: JSON lines over
 * the real Unix socket, as a client in another language would send them (including messages
 * {@code pooly call} never sends). Used by one test thread at a time.
 */
final class ProtocolClient implements AutoCloseable {
    private final SocketChannel channel;
    private final BufferedReader in;
    private final OutputStream out;

    private ProtocolClient(SocketChannel channel) {
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        this.out = Channels.newOutputStream(channel);
    }

    static ProtocolClient connect(Path socket) {
        try {
            return new ProtocolClient(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens a lines-mode lease session on {@code pool} and returns the daemon's grant (or refusal). */
    static ProtocolClient lease(Path socket, String pool, String... extra) {
        ProtocolClient client = connect(socket);
        ObjectNode request = DaemonProcess.JSON.createObjectNode().put("op", "lease").put("pool", pool);
        for (int i = 0; i + 1 < extra.length; i += 2) request.put(extra[i], extra[i + 1]);
        client.send(request);
        JsonNode grant = client.receive();
        if (!grant.path("ok").asBoolean()) throw new AssertionError("lease on " + pool + " refused: " + grant);
        client.grant = grant;
        return client;
    }

    private JsonNode grant;

    /** The pid the daemon said it leased. */
    long pid() { return grant.get("pid").asLong(); }

    void line(String text) {
        send(DaemonProcess.JSON.createObjectNode().put("line", text));
    }

    void op(String op) {
        send(DaemonProcess.JSON.createObjectNode().put("op", op));
    }

    void send(JsonNode message) {
        try {
            out.write(DaemonProcess.JSON.writeValueAsBytes(message));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends {@code text} as it is, plus a newline: what a client that does not speak JSON sends. */
    void sendRaw(String text) {
        try {
            out.write((text + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends {@code messages} in one write, as a client that pipelines them does. */
    void sendTogether(JsonNode... messages) {
        try {
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            for (JsonNode m : messages) {
                all.write(DaemonProcess.JSON.writeValueAsBytes(m));
                all.write('\n');
            }
            out.write(all.toByteArray());
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next message, waiting at most the suite's patience; null when the daemon closed the connection. */
    JsonNode receive() {
        // A thread of its own per read: a blocking socket read must not hold a shared pool's thread.
        CompletableFuture<String> next = CompletableFuture.supplyAsync(() -> {
            try {
                return in.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, task -> Thread.ofVirtual().name("protocol-client-read").start(task));
        try {
            String line = next.get(DaemonProcess.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            return line == null ? null : DaemonProcess.JSON.readTree(line);
        } catch (TimeoutException e) {
            throw new AssertionError("no message from the daemon within " + DaemonProcess.PATIENCE);
        } catch (ExecutionException | IOException e) {
            throw new AssertionError("reading from the daemon failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Closes the connection without a word, as a client SIGKILLed by the kernel would. */
    @Override public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Already closed.
        }
    }
}
