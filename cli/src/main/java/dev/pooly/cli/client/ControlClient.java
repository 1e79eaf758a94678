package dev.pooly.cli.client;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.pooly.cli.CliException;
import dev.pooly.cli.ExitCode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * A connection to the daemon's control socket, speaking JSON lines (docs/protocol.md) through
 * {@link Messages}, which keeps Jackson databind out of the client.
 *
 * <p>Thread-safety: one thread may {@link #send} while another {@link #receive}s; not more.
 * {@link #close} may be called from any thread, and makes a blocked {@link #receive} or
 * {@link #send} fail with a {@link CliException}. Blocking calls are not interruptible.
 */
public final class ControlClient implements AutoCloseable {
    private final SocketChannel channel;
    private final BufferedReader in;
    /** One generator for the connection's life, its buffer the send buffer: a message costs no allocation of its own. */
    private final JsonGenerator out;

    private ControlClient(SocketChannel channel) throws IOException {
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8), 64 * 1024);
        this.out = Messages.lines(Channels.newOutputStream(channel));
    }

    /** @throws CliException with exit code 69 when no daemon listens on {@code socket} */
    public static ControlClient connect(Path socket) {
        try {
            return new ControlClient(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
        } catch (IOException e) {
            throw new CliException(ExitCode.UNAVAILABLE, "cannot reach the daemon at " + socket + " (" + e.getMessage()
                    + "); is `pooly daemon` running there?");
        }
    }

    /** Sends one request and returns the reply; a reply with {@code ok: false} becomes a {@link CliException}. */
    public Map<String, Object> call(Map<String, ?> request) {
        send(request, true);
        return expectOk(receive());
    }

    /** Writes one message; with {@code flush} false it may wait in the buffer for the next flush. */
    public void send(Map<String, ?> message, boolean flush) {
        try {
            Messages.writeLine(out, message);
            if (flush) out.flush();
        } catch (IOException e) {
            throw lost(e);
        }
    }

    public void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw lost(e);
        }
    }

    /** The next message from the daemon. */
    public Map<String, Object> receive() {
        String line;
        try {
            line = in.readLine();
        } catch (IOException e) {
            throw lost(e);
        }
        if (line == null) throw new CliException(ExitCode.FAILURE, "the daemon closed the connection");
        String answer = plainAnswer(line);
        if (answer != null) return Map.of("line", answer);
        try {
            return Messages.decode(line);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.FAILURE, "the daemon sent what this client cannot read (" + e.getMessage() + ")");
        }
    }

    /**
     * The text of {@code {"line":"TEXT"}} when TEXT holds no escape, else null. A pipelined call
     * receives one such answer per request line; a TEXT without a backslash or a quote is its own
     * JSON decoding (JSON escapes every quote and control character), so it needs no parser.
     */
    static String plainAnswer(String line) {
        final String head = "{\"line\":\"", tail = "\"}";
        if (!line.startsWith(head) || !line.endsWith(tail) || line.length() < head.length() + tail.length()) return null;
        for (int i = head.length(), end = line.length() - tail.length(); i < end; i++) {
            char c = line.charAt(i);
            if (c == '\\' || c == '"') return null;
        }
        return line.substring(head.length(), line.length() - tail.length());
    }

    /** Whether a message is already buffered, so output can be flushed only at the end of a burst. */
    public boolean ready() {
        try {
            return in.ready();
        } catch (IOException e) {
            return false;
        }
    }

    public static Map<String, Object> expectOk(Map<String, Object> reply) {
        if (Boolean.TRUE.equals(reply.get("ok"))) return reply;
        throw new CliException((int) Messages.number(reply, "code", ExitCode.FAILURE), Messages.text(reply, "error", "the daemon refused"));
    }

    private static CliException lost(IOException e) {
        return new CliException(ExitCode.FAILURE, "lost the connection to the daemon: " + e.getMessage());
    }

    @Override public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing to do: the daemon treats a closed connection as the end of the session.
        }
    }
}
