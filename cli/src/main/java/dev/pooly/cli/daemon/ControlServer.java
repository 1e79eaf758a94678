package dev.pooly.cli.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pooly.cli.ExitCode;
import dev.pooly.pool.Pool;
import dev.pooly.supervisor.Supervisor;
import dev.pooly.supervisor.UnknownChildException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The daemon's control socket: a Unix domain socket, mode 0600, speaking JSON lines
 * (docs/protocol.md). One virtual thread per connection; each connection is one request, or one
 * lease session.
 *
 * <p>Thread-safety: {@link #bind} and {@link #close} are called by the daemon's main thread; the
 * accept loop runs on its own platform thread.
 */
public final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("pooly.control");
    static final ObjectMapper JSON = new ObjectMapper();

    private final Path socket;
    private final ServerSocketChannel server;
    private volatile boolean closed;

    private ControlServer(Path socket, ServerSocketChannel server) {
        this.socket = socket;
        this.server = server;
    }

    /**
     * Binds {@code socket}. Only a stale socket (a socket file nobody answers on, left by a daemon
     * that was SIGKILLed) is replaced; a live one means another daemon runs there, and any other kind
     * of file (a typo naming the config, a directory) is refused: the daemon never deletes a file it did
     * not create. The socket is bound in a private directory, made 0600 and only then renamed into
     * place, so no other user can connect in between.
     */
    public static ControlServer bind(Path socket) throws IOException {
        socket = socket.toAbsolutePath().normalize();
        if (Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            if (!isSocket(socket)) {
                throw new IOException("control.socket " + socket + " names an existing " + kind(socket)
                        + ", not a socket; refusing to replace it (choose another control.socket path)");
            }
            if (listening(socket)) {
                throw new IOException("another pooly daemon is already listening on " + socket);
            }
            Files.delete(socket);
        }
        Files.createDirectories(socket.getParent());
        Path privateDir = Files.createTempDirectory(socket.getParent(), ".pooly-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path temp = privateDir.resolve("s");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(temp));
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            Files.move(temp, socket, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot bind control socket " + socket + ": " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(temp);
            Files.deleteIfExists(privateDir);
        }
        return new ControlServer(socket, server);
    }

    private static boolean isSocket(Path path) throws IOException {
        return !Files.isSymbolicLink(path) && "socket".equals(fileType(path));
    }

    /** What kind of file {@code path} is, for the error message. */
    private static String kind(Path path) throws IOException {
        if (Files.isSymbolicLink(path)) return "symbolic link";
        if (Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return "directory";
        if (Files.isRegularFile(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return "regular file";
        return fileType(path);
    }

    /** {@code socket}, {@code fifo}, ... from the file's mode bits ({@code unix:mode}, Linux and other Unixes). */
    private static String fileType(Path path) throws IOException {
        int mode = (Integer) Files.getAttribute(path, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        return switch (mode & 0170000) {
            case 0140000 -> "socket";
            case 0010000 -> "fifo";
            case 0020000 -> "character device";
            case 0060000 -> "block device";
            default -> "special file";
        };
    }

    private static boolean listening(Path socket) {
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return probe.isConnected();
        } catch (IOException e) {
            return false;
        }
    }

    public Path socket() { return socket; }

    /** Serves requests until {@link #close}. {@code shutdown} is completed by the {@code shutdown} request. */
    public void serve(Supervisor root, Map<String, Pool> pools, CompletableFuture<String> shutdown) {
        Thread.ofPlatform().name("pooly-control").daemon(true).start(() -> {
            while (!closed) {
                try {
                    SocketChannel client = server.accept();
                    Threads.startVirtual("pooly-client", () -> handle(client, root, pools, shutdown));
                } catch (IOException e) {
                    if (!closed) LOG.warn("control socket accept failed: {}", e.toString());
                }
            }
        });
    }

    private void handle(SocketChannel channel, Supervisor root, Map<String, Pool> pools, CompletableFuture<String> shutdown) {
        try (channel) {
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
            JsonLines out = new JsonLines(Channels.newOutputStream(channel));
            String first = in.readLine();
            if (first == null) return;
            JsonNode request;
            try {
                request = JSON.readTree(first);
            } catch (IOException e) {
                out.send(error(ExitCode.USAGE, "not a JSON request line: " + e.getMessage()));
                return;
            }
            String op = request.path("op").asText("");
            switch (op) {
                case "status" -> {
                    ObjectNode reply = ok();
                    reply.set("status", StatusJson.of(root.status(), pools));
                    out.send(reply);
                }
                case "start", "stop", "restart", "kill" -> out.send(control(root, op, request.path("id").asText("")));
                case "shutdown" -> {
                    out.send(ok());
                    shutdown.complete("shutdown request");
                }
                case "lease" -> {
                    Pool pool = pools.get(request.path("pool").asText(""));
                    if (pool == null) {
                        out.send(error(ExitCode.UNAVAILABLE, "no pool named '" + request.path("pool").asText("") + "'; pools: " + pools.keySet()));
                        return;
                    }
                    new LeaseSession(pool, request, in, out, channel).run();
                }
                default -> out.send(error(ExitCode.USAGE, "unknown op '" + op + "'; expected status, start, stop, restart, kill, shutdown or lease"));
            }
        } catch (IOException e) {
            LOG.debug("control connection ended: {}", e.toString());
        }
    }

    private static ObjectNode control(Supervisor root, String op, String id) {
        CompletableFuture<Void> done = switch (op) {
            case "start" -> root.startChild(id);
            case "stop" -> root.stopChild(id);
            case "restart" -> root.restartChild(id);
            default -> root.killChild(id);
        };
        try {
            done.get(5, TimeUnit.MINUTES);
            LOG.info("{} {}: done", op, id);
            return ok();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UnknownChildException) return error(ExitCode.UNAVAILABLE, "no node '" + id + "' in the tree");
            return error(ExitCode.FAILURE, op + " " + id + " failed: " + cause.getMessage());
        } catch (TimeoutException e) {
            return error(ExitCode.FAILURE, op + " " + id + " did not finish within 5 minutes");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return error(ExitCode.FAILURE, op + " " + id + " interrupted");
        }
    }

    static ObjectNode ok() {
        return JSON.createObjectNode().put("ok", true);
    }

    static ObjectNode error(int code, String message) {
        return JSON.createObjectNode().put("ok", false).put("code", code).put("error", message);
    }

    @Override public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // Closing is best effort; the file is what matters to the next daemon.
        }
        try {
            // Only our socket: should something else have been put at its path meanwhile, it stays.
            if (Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS) && isSocket(socket)) Files.delete(socket);
        } catch (IOException e) {
            LOG.warn("could not remove control socket {}: {}", socket, e.toString());
        }
    }

    /** JSON lines to one client; safe for the two threads of a lease session (one lock, held per write). */
    static final class JsonLines {
        private final OutputStream out;
        private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();

        JsonLines(OutputStream out) {
            this.out = new java.io.BufferedOutputStream(out, 16 * 1024);
        }

        void send(JsonNode message) throws IOException {
            write(message, true);
        }

        /** Writes without flushing, for a burst of messages; {@link #flush()} after the last. */
        void write(JsonNode message, boolean flush) throws IOException {
            byte[] bytes = JSON.writeValueAsBytes(message);
            lock.lock();
            try {
                out.write(bytes);
                out.write('\n');
                if (flush) out.flush();
            } finally {
                lock.unlock();
            }
        }

        void flush() throws IOException {
            lock.lock();
            try {
                out.flush();
            } finally {
                lock.unlock();
            }
        }
    }
}
