package dev.pooly.cli.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pooly.cli.ExitCode;
import dev.pooly.pool.Pool;
import dev.pooly.supervisor.NodeStatus;
import dev.pooly.supervisor.Supervisor;
import dev.pooly.supervisor.UnknownChildException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
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
import java.util.ArrayList;
import java.util.List;
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
    private final Drain drain = new Drain();
    private volatile boolean closed;
    /** Answers {@code reload}; set once before {@link #serve}. */
    private volatile java.util.function.Function<String, ObjectNode> reload =
            cause -> error(ExitCode.FAILURE, "this daemon does not reload");
    /** Where a child's logs are: id -> stream name -> file, or null for an unknown id; set once before {@link #serve}. */
    private volatile java.util.function.Function<String, java.util.Map<String, Path>> logFiles = id -> null;
    /** Answers {@code scale}; set once before {@link #serve}. */
    private volatile java.util.function.Function<JsonNode, ObjectNode> scale =
            request -> error(ExitCode.FAILURE, "this daemon does not scale");

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
        clearStale(socket, "control.socket");
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

    /**
     * Makes way for a socket at {@code socket} (config key {@code key}, for messages): removes a stale
     * socket, refuses a live one and any other kind of file.
     */
    static void clearStale(Path socket, String key) throws IOException {
        if (Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            if (!isSocket(socket)) {
                throw new IOException(key + " " + socket + " names an existing " + kind(socket)
                        + ", not a socket; refusing to replace it (choose another " + key + " path)");
            }
            if (listening(socket)) {
                throw new IOException("another pooly daemon is already listening on " + socket);
            }
            Files.delete(socket);
        }
    }

    static boolean isSocket(Path path) throws IOException {
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

    /** Lease sessions begin and end here; the daemon starts it on SIGTERM or {@code shutdown}. */
    public Drain drain() { return drain; }

    /** What a {@code reload} request does: given its cause, returns the reply. */
    public void onReload(java.util.function.Function<String, ObjectNode> reload) {
        this.reload = reload;
    }

    /** Where {@code logs} finds a child's files. */
    public void onLogs(java.util.function.Function<String, java.util.Map<String, Path>> logFiles) {
        this.logFiles = logFiles;
    }

    /** What a {@code scale} request ({@code pool}, {@code size}, optional {@code max_overflow}) does. */
    public void onScale(java.util.function.Function<JsonNode, ObjectNode> scale) {
        this.scale = scale;
    }

    /** The reply to {@code reload}, for the HTTP API. */
    ObjectNode reloadReply(String cause) {
        return reload.apply(cause);
    }

    /** The reply to {@code scale} ({@code pool}, {@code size}, optional {@code max_overflow}), for the HTTP API. */
    ObjectNode scaleReply(JsonNode request) {
        return scale.apply(request);
    }

    /** A child's log files by stream name, or null for an unknown id, for the HTTP API. */
    java.util.Map<String, Path> logFilesOf(String id) {
        return logFiles.apply(id);
    }

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
            RequestLines in = new RequestLines(Channels.newInputStream(channel));
            JsonLines out = new JsonLines(Channels.newOutputStream(channel));
            String first;
            try {
                first = in.readLine();
            } catch (RequestLines.TooLong e) {
                // Refused at the limit; the rest of what it sent is never read (closing drops it).
                LOG.warn("control socket: a client's request line passed {} bytes; refused with 64 and disconnected", e.limit());
                out.send(error(ExitCode.USAGE, e.getMessage()));
                return;
            }
            if (first == null) return;
            in.limit(RequestLines.MESSAGE_LIMIT, "a line after the request");
            JsonNode request;
            try {
                request = JSON.readTree(first);
            } catch (IOException e) {
                out.send(error(ExitCode.USAGE, notJson("not a JSON request line: expected one JSON object per line, such as {\"op\":\"status\"} (docs/protocol.md)", e)));
                return;
            }
            String op = request.path("op").asText("");
            switch (op) {
                case "status" -> {
                    ObjectNode reply = ok();
                    reply.set("status", StatusJson.of(root.status(), pools, drain.draining()));
                    out.send(reply);
                }
                case "start", "stop", "restart", "kill" -> {
                    String id = request.path("id").asText("");
                    ObjectNode refused = refusal(root, pools, op, id);
                    out.send(refused != null ? refused : control(root, op, id));
                }
                case "ping" -> out.send(ok()); // liveness: the systemd watchdog's probe
                case "reload" -> out.send(reload.apply("pooly reload"));
                case "scale" -> out.send(scale.apply(request));
                case "logs" -> logs(request, in, out);
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
                    ObjectNode stopped = stoppedPool(root, pool.name());
                    if (stopped != null) {
                        out.send(stopped);
                        return;
                    }
                    new LeaseSession(pool, request, in, out, channel, drain).run();
                }
                default -> out.send(error(ExitCode.USAGE, "unknown op '" + op + "'; expected status, start, stop, restart, kill, reload, scale, logs, shutdown or lease"));
            }
        } catch (IOException e) {
            LOG.debug("control connection ended: {}", e.toString());
        }
    }

    /** {@code logs}: an ok, the lines, then (without follow) an end message; with follow, until the client leaves. */
    private void logs(JsonNode request, RequestLines in, JsonLines out) throws IOException {
        String id = request.path("id").asText("");
        java.util.Map<String, Path> files = logFiles.apply(id);
        if (files == null) {
            out.send(error(ExitCode.UNAVAILABLE, "no process or pool '" + id + "' in the config"));
            return;
        }
        boolean follow = request.path("follow").asBoolean(false);
        out.send(ok().put("files", String.valueOf(files.values())));
        java.util.concurrent.atomic.AtomicBoolean gone = new java.util.concurrent.atomic.AtomicBoolean();
        if (follow) {
            // The client sends nothing more: its end of the connection closing is the only way we learn it left.
            Threads.startVirtual("pooly-logs-eof", () -> {
                try {
                    while (in.read() >= 0) { }
                } catch (IOException ignored) {
                    // closed: the same as EOF
                }
                gone.set(true);
            });
        }
        LogTail.run(java.util.List.copyOf(files.keySet()), java.util.List.copyOf(files.values()),
                request.path("lines").asInt(10), follow, out, gone);
        if (!follow) out.send(ok().put("end", true));
    }

    /**
     * Requests with no meaning refused up front (64): the root (the daemon itself), and start/stop/
     * restart of a pool's worker, which the pool replaces at once, so "stays stopped" could not hold.
     */
    static ObjectNode refusal(Supervisor root, Map<String, Pool> pools, String op, String id) {
        // kill too: killing the root ends the daemon (nothing above it restarts it), which a command
        // that reports "done" for a node that heals must not do silently.
        if (id.equals(root.id())) {
            return error(ExitCode.USAGE, id + " is the root supervisor, the daemon itself: `pooly shutdown` stops it; "
                    + op + " its children instead");
        }
        int dash = id.lastIndexOf('-');
        if (!op.equals("kill") && dash > 0 && pools.containsKey(id.substring(0, dash)) && id.substring(dash + 1).chars().allMatch(Character::isDigit)
                && root.status().find(id).isPresent()) {
            String pool = id.substring(0, dash);
            return error(ExitCode.USAGE, id + " is a worker of pool " + pool + ", which keeps its size by replacing workers: "
                    + "`pooly kill " + id + "` replaces it, `pooly scale " + pool + " SIZE` changes how many run, `pooly "
                    + op + " " + pool + "` acts on the whole pool");
        }
        return null;
    }

    /**
     * A lease on a pool stopped for good fails at once, saying so, instead of waiting out its checkout
     * timeout. A pool between two incarnations (its supervisor, or one above it, restarting it after a
     * crash or a {@code pooly kill}) is not stopped: its callers wait for the next incarnation.
     */
    static ObjectNode stoppedPool(Supervisor root, String name) {
        // The cheap check first (no status snapshot on the lease path): a running pool's supervisor has not ended.
        var sup = root.supervisor(name);
        if (sup.isPresent() && !sup.get().termination().isDone()) return null;
        // Ended: stopped for good only if it, or a supervisor above it, is settled (stopped on request, or
        // ended and not restarted). STOPPED alone is also what a restart shows between stop and start.
        NodeStatus tree = root.status();
        List<NodeStatus> path = tree.pathTo(name);
        if (path.isEmpty()) {
            // Not in the tree: a stopped supervisor above it lists no children. Final only if every
            // supervisor that hides its children so is settled; one that is restarting may be the pool's.
            List<NodeStatus> hiding = stoppedSupervisors(tree, new ArrayList<>());
            if (hiding.isEmpty() || !hiding.stream().allMatch(NodeStatus::settled)) return null;
            path = hiding;
        }
        for (NodeStatus node : path) {
            if (!node.settled()) continue;
            String by = node.id().equals(name) ? "" : " (its supervisor " + node.id() + " is stopped)";
            return error(ExitCode.UNAVAILABLE, "pool " + name + " is stopped" + by + "; `pooly start " + node.id() + "` starts it");
        }
        return null;
    }

    /** The supervisors below {@code node} that are stopped or failed and so list no children. */
    private static List<NodeStatus> stoppedSupervisors(NodeStatus node,
                                                                                     List<NodeStatus> found) {
        for (NodeStatus c : node.children()) {
            boolean down = c.state() == NodeStatus.State.STOPPED || c.state() == NodeStatus.State.FAILED;
            if (c.type() == NodeStatus.Type.SUPERVISOR && down && c.children().isEmpty()) found.add(c);
            else stoppedSupervisors(c, found);
        }
        return found;
    }

    static ObjectNode control(Supervisor root, String op, String id) {
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

    /**
     * {@code expected}, then where and why the line is not JSON, in the parser's own words but without
     * its description of the input source ("Source: REDACTED (`StreamReadFeature...`)").
     */
    static String notJson(String expected, IOException e) {
        if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j) {
            com.fasterxml.jackson.core.JsonLocation at = j.getLocation();
            return expected + "; " + j.getOriginalMessage() + (at != null && at.getColumnNr() > 0 ? " (column " + at.getColumnNr() + ")" : "");
        }
        return expected + "; " + e.getMessage();
    }
}
