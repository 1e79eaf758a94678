package dev.pooly.cli.daemon;

import dev.pooly.config.HttpSettings;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * {@code http:}: the daemon's HTTP API (docs/http.md), Jetty 12 serving HTTP/1.1 on a Unix socket
 * (mode 0600, bound like the control socket: only a stale socket is ever replaced) and optionally on
 * TCP, where a configured bearer token is checked before a request reaches anything. The routes are
 * {@link HttpRoutes}.
 *
 * <p>Threads: Jetty's selectors parse requests without a thread per connection (idle keep-alive
 * connections and slow clients cost no thread); handlers run on one bounded pool of platform threads,
 * each doing its whole request, a call's blocking pipe read included. Thread-safe: {@link #bind} and
 * {@link #close} on the daemon's main thread.
 */
public final class HttpApi implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("pooly.http");
    /** Handler threads: calls block on a worker's pipe, so this bounds concurrent calls over HTTP. */
    private static final int MAX_THREADS = 256;

    private final Server server;
    private final Path socket;
    private final ServerConnector tcp;

    private HttpApi(Server server, Path socket, ServerConnector tcp) {
        this.server = server;
        this.socket = socket;
        this.tcp = tcp;
    }

    /**
     * Binds the socket (and the TCP address) and serves {@code routes}; until {@link HttpRoutes#serve}
     * they answer 503. Throws with the path or address in the message when it cannot.
     */
    public static HttpApi bind(HttpSettings settings, HttpRoutes routes) throws IOException {
        Path socket = settings.socket().toAbsolutePath().normalize();
        byte[] token = null;
        if (settings.tokenFile().isPresent()) token = readToken(settings.tokenFile().get());
        ControlServer.clearStale(socket, "http.socket");
        Files.createDirectories(socket.getParent());
        Path privateDir = Files.createTempDirectory(socket.getParent(), ".pooly-http-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path temp = privateDir.resolve("s");

        QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, 4);
        threads.setName("pooly-http");
        threads.setDaemon(true);
        Server server = new Server(threads);
        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false);
        config.setSendDateHeader(false);
        config.setHttpCompliance(HttpCompliance.RFC9110);
        HttpConnectionFactory http = new HttpConnectionFactory(config);

        UnixDomainServerConnector unix = new UnixDomainServerConnector(server, 1, 1, http);
        unix.setUnixDomainPath(temp);
        unix.setIdleTimeout(IDLE_TIMEOUT_MS);
        server.addConnector(unix);
        ServerConnector tcp = null;
        if (settings.listen().isPresent()) {
            tcp = new ServerConnector(server, 1, 1, new HttpConnectionFactory(config));
            tcp.setHost(settings.listen().get().host());
            tcp.setPort(settings.listen().get().port());
            tcp.setIdleTimeout(IDLE_TIMEOUT_MS);
            server.addConnector(tcp);
        }
        server.setHandler(new Guard(routes, tcp, token));
        server.setErrorHandler(new JsonErrors());
        server.setStopTimeout(1000);
        try {
            server.start();
            // Bound in a private directory and made 0600 before it appears at its path: no other user can connect in between.
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            Files.move(temp, socket, StandardCopyOption.ATOMIC_MOVE);
        } catch (Exception e) {
            stopQuietly(server);
            String where = tcp != null && e.getMessage() != null && e.getMessage().contains("" + settings.listen().get().port())
                    ? "http.listen " + settings.listen().get() : "http.socket " + socket;
            throw new IOException("cannot serve the HTTP API on " + where + ": " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(temp);
            Files.deleteIfExists(privateDir);
        }
        LOG.info("HTTP API on {}{}", socket, tcp == null ? "" : " and http://" + settings.listen().get());
        return new HttpApi(server, socket, tcp);
    }

    /** How long a connection may sit idle (keep-alive, or a client that stopped sending) before it is closed. */
    static final long IDLE_TIMEOUT_MS = 30_000;

    public Path socket() { return socket; }

    /** The TCP port, when {@code http.listen} is set (for tests that bind port 0 … or a chosen one). */
    public Optional<Integer> port() {
        return tcp == null ? Optional.empty() : Optional.of(tcp.getLocalPort());
    }

    private static byte[] readToken(Path file) throws IOException {
        String token;
        try {
            token = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IOException("cannot read http.token_file " + file + ": " + e.getMessage(), e);
        }
        if (token.isEmpty()) throw new IOException("http.token_file " + file + " is empty; put the bearer token in it");
        return token.getBytes(StandardCharsets.UTF_8);
    }

    @Override public void close() {
        stopQuietly(server);
        try {
            // Only our socket: should something else have been put at its path meanwhile, it stays.
            if (Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS) && ControlServer.isSocket(socket)) Files.delete(socket);
        } catch (IOException e) {
            LOG.warn("could not remove http socket {}: {}", socket, e.toString());
        }
    }

    private static void stopQuietly(Server server) {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.debug("stopping the HTTP API: {}", e.toString());
        }
    }

    /** Checks the bearer token of TCP requests before anything else sees them; Unix-socket requests pass (the socket is 0600). */
    private static final class Guard extends org.eclipse.jetty.server.Handler.Abstract {
        private final HttpRoutes routes;
        private final Connector tcp;
        private final byte[] token;

        Guard(HttpRoutes routes, Connector tcp, byte[] token) {
            super(InvocationType.BLOCKING);
            this.routes = routes;
            this.tcp = tcp;
            this.token = token;
        }

        @Override public boolean handle(Request request, Response response, Callback callback) {
            if (token != null && request.getConnectionMetaData().getConnector() == tcp && !authorized(request)) {
                response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
                HttpReplies.error(response, callback, 401, dev.pooly.cli.ExitCode.USAGE,
                        "missing or wrong bearer token: send 'Authorization: Bearer <the content of http.token_file>'");
                return true;
            }
            routes.handle(request, response, callback);
            return true;
        }

        private boolean authorized(Request request) {
            String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
            if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) return false;
            byte[] given = header.substring(7).strip().getBytes(StandardCharsets.UTF_8);
            return MessageDigest.isEqual(given, token); // constant time: the token is not guessed byte by byte
        }
    }

    /** Jetty's own errors (a malformed request, a header too large) in the protocol's JSON, not HTML. */
    private static final class JsonErrors extends ErrorHandler {
        @Override protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                                  Callback callback) {
            String why = message == null || message.isEmpty() ? org.eclipse.jetty.http.HttpStatus.getMessage(code) : message;
            HttpReplies.error(response, callback, code, code >= 500 ? dev.pooly.cli.ExitCode.FAILURE : dev.pooly.cli.ExitCode.USAGE,
                    "bad HTTP request: " + why);
        }
    }
}
