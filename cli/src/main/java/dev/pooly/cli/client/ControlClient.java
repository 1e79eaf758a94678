package dev.pooly.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pooly.cli.CliException;
import dev.pooly.cli.ExitCode;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A connection to the daemon's control socket, speaking JSON lines (docs/protocol.md).
 * Thread-safety: one thread may {@link #send} while another {@link #receive}s; not more.
 */
public final class ControlClient implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();

    private final SocketChannel channel;
    private final BufferedReader in;
    private final OutputStream out;

    private ControlClient(SocketChannel channel) {
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8), 64 * 1024);
        this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 64 * 1024);
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
    public JsonNode call(JsonNode request) {
        send(request, true);
        return expectOk(receive());
    }

    public void send(JsonNode message, boolean flush) {
        try {
            out.write(JSON.writeValueAsBytes(message));
            out.write('\n');
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
    public JsonNode receive() {
        try {
            String line = in.readLine();
            if (line == null) throw new CliException(ExitCode.FAILURE, "the daemon closed the connection");
            return JSON.readTree(line);
        } catch (IOException e) {
            throw lost(e);
        }
    }

    /** Whether a message is already buffered, so output can be flushed only at the end of a burst. */
    public boolean ready() {
        try {
            return in.ready();
        } catch (IOException e) {
            return false;
        }
    }

    public static JsonNode expectOk(JsonNode reply) {
        if (reply.path("ok").asBoolean(false)) return reply;
        throw new CliException(reply.path("code").asInt(ExitCode.FAILURE), reply.path("error").asText("the daemon refused"));
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
