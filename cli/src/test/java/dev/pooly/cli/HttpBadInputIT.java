package dev.pooly.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input to the HTTP API, through a real daemon: a bearer token on TCP that is missing or wrong
 * (401, and the call reaches no worker), malformed HTTP, and a thousand idle keep-alive connections
 * with a slowloris client among them while others are served. Nothing of it may cost a lease: after
 * each test the pool is back to its idle workers and their uses count only the calls that were let in.
 * The bad clients are raw sockets on purpose (no HTTP client sends what they send); the good ones are
 * the JDK's HTTP client on TCP and curl on the Unix socket.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpBadInputIT {
    private static final String TOKEN = "s3cret-" + Long.toHexString(System.nanoTime());
    private DaemonProcess daemon;
    private Path dir;
    private int port;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void startDaemon(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws IOException {
        this.dir = dir;
        Files.writeString(dir.resolve("token"), TOKEN + "\n");
        port = Http.freePort();
        daemon = DaemonProcess.start(dir, """
                version: 1
                http: {socket: pooly-http.sock, listen: 127.0.0.1:%d, token_file: token}
                supervisor:
                  children:
                    - pool: {name: echo, command: [cat], size: 2}
                    - pool: {name: slow, command: [sh, -c, 'while read l; do sleep 0.5; echo "$l"; done'], size: 1}
                """.formatted(port));
        DaemonProcess.await().until(() -> Files.exists(dir.resolve("pooly-http.sock")));
    }

    @AfterAll
    void stop() {
        if (daemon != null) daemon.close();
    }

    @BeforeEach
    void atRest() {
        daemon.awaitIdle("echo", 2);
    }

    @Test
    void onTcpAMissingOrWrongTokenIs401AndTheCallReachesNoWorker() throws Exception {
        long usesBefore = uses();
        HttpResponse<String> none = send(post("/v1/pools/echo/call", "hi").build());
        HttpResponse<String> wrong = send(post("/v1/pools/echo/call", "hi").header("Authorization", "Bearer " + TOKEN + "x").build());
        HttpResponse<String> notBearer = send(post("/v1/pools/echo/call", "hi").header("Authorization", "Basic " + TOKEN).build());
        HttpResponse<String> status = send(HttpRequest.newBuilder(uri("/v1/status")).build());
        for (HttpResponse<String> refused : List.of(none, wrong, notBearer, status)) {
            assertThat(refused.statusCode()).as("%s: %s", refused.request(), refused.body()).isEqualTo(401);
            assertThat(refused.headers().firstValue("WWW-Authenticate")).contains("Bearer");
            assertThat(refused.body()).contains("\"ok\":false", "missing or wrong bearer token");
            assertThat(refused.body()).as("the refusal shows no token").doesNotContain(TOKEN);
        }
        assertThat(uses()).as("uses of the pool's workers after refused calls").isEqualTo(usesBefore);

        HttpResponse<String> right = send(post("/v1/pools/echo/call", "hi").header("Authorization", "Bearer " + TOKEN).build());
        assertThat(right.statusCode()).as(right.body()).isEqualTo(200);
        assertThat(right.body()).isEqualTo("hi\n");
        assertThat(uses()).isEqualTo(usesBefore + 1);
    }

    @Test
    void malformedHttpIsRefusedWith400InTheProtocolsJsonAndTheDaemonServesOn() throws Exception {
        String longHeader = "GET /v1/status HTTP/1.1\r\nHost: x\r\n" + "X-Long: " + "y".repeat(64 * 1024) + "\r\n\r\n";
        List<String> cases = List.of("GARBAGE\r\n\r\n", "POST /v1/pools/echo/call HTTP/1.1\r\nContent-Length: banana\r\n\r\nhi",
                longHeader, "\u0000\u0001\u0002\u00ff binary\r\n\r\n");
        // Each case 25 times: how a refusal reaches the client depends on timing (see the reset below).
        for (int i = 0; i < 25 * cases.size(); i++) {
            String garbage = cases.get(i % cases.size());
            String reply = rawExchange(garbage);
            String what = garbage.substring(0, Math.min(40, garbage.length()));
            if (garbage.equals(longHeader) && reply.equals(RESET)) {
                // Jetty stops reading at its 8 KiB header limit and closes; with the rest of the 64 KiB
                // still unread in its socket, the close can reach us as a reset before any 431 does
                // (seen in about half of such exchanges on this machine).
                continue;
            }
            assertThat(reply).as("reply to %s", what).matches("(?s)HTTP/1\\.1 4\\d\\d .*");
            if (reply.contains("\r\n\r\n{")) assertThat(reply).contains("\"ok\":false", "bad HTTP request");
        }
        assertThat(curlStatus()).startsWith("200 ");
        assertThat(curl("--data-binary", "still here", "http://localhost/v1/pools/echo/call")).isEqualTo("200 still here\n");
    }

    @Test
    void aThousandIdleKeepAliveConnectionsAndASlowlorisDoNotStopOthersBeingServed() throws Exception {
        long usesBefore = uses();
        List<SocketChannel> idle = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger slowBytes = new AtomicInteger();
        Thread slowloris = Thread.ofPlatform().name("slowloris").start(() -> {
            byte[] head = "POST /v1/pools/echo/call HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII);
            try (SocketChannel slow = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("pooly-http.sock")))) {
                for (int i = 0; !stop.get(); i++) {
                    slow.write(ByteBuffer.wrap(new byte[] {i < head.length ? head[i] : (byte) 'z'}));
                    slowBytes.incrementAndGet();
                    Thread.sleep(20);
                }
            } catch (IOException e) {
                // The daemon closed it (its idle timeout or a header limit): also fine.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            for (int i = 0; i < 1000; i++) {
                idle.add(SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("pooly-http.sock"))));
            }
            // Half of them start a request and never finish it.
            for (int i = 0; i < idle.size(); i += 2) {
                idle.get(i).write(ByteBuffer.wrap("GET /v1/status HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII)));
            }
            double slowest = 0;
            for (int i = 0; i < 20; i++) {
                String status = curlStatus();
                assertThat(status).startsWith("200 ");
                slowest = Math.max(slowest, Double.parseDouble(status.substring(4, status.indexOf(' ', 4))));
                assertThat(curl("--data-binary", "call " + i, "http://localhost/v1/pools/echo/call")).isEqualTo("200 call " + i + "\n");
            }
            HttpResponse<String> tcp = send(HttpRequest.newBuilder(uri("/v1/status")).header("Authorization", "Bearer " + TOKEN).build());
            assertThat(tcp.statusCode()).isEqualTo(200);
            System.out.printf("HttpBadInputIT: slowest of 20 statuses over curl with 1,000 idle connections and a slowloris (%d bytes sent): %.1f ms%n",
                    slowBytes.get(), slowest * 1000);
        } finally {
            stop.set(true);
            for (SocketChannel c : idle) c.close();
            slowloris.join(TimeUnit.SECONDS.toMillis(10));
        }
        assertThat(slowBytes.get()).as("the slowloris was under way while the others were served").isPositive();
        daemon.awaitIdle("echo", 2);
        assertThat(uses()).as("every call served was one use, nothing more and no lease lost").isEqualTo(usesBefore + 20);
    }

    /**
     * A client that gives up while its call waits for a worker (curl's --max-time) has sent nothing to
     * any worker: the worker the call gets afterwards goes back to idle, the same process, and never
     * sees the request. It used to get the request, and the watch, started only once a worker was
     * leased, then saw the hang-up as a client leaving mid-call: a slow worker was discarded and replaced.
     */
    @Test
    void aClientThatGivesUpWhileItWaitsForAWorkerLeavesThatWorkerAlone() throws Exception {
        daemon.awaitIdle("slow", 1);
        ProtocolClient held = ProtocolClient.lease(daemon.socket(), "slow");
        long pid = held.pid();
        int logFrom = daemon.log().length();
        Process gaveUp = new ProcessBuilder("curl", "-sS", "--max-time", "1", "--unix-socket", "pooly-http.sock", "--data-binary", "late",
                "http://localhost/v1/pools/slow/call?timeout=30s").directory(dir.toFile()).redirectErrorStream(true).start();
        assertThat(gaveUp.waitFor(DaemonProcess.PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(gaveUp.exitValue()).as("curl's exit (28: it gave up waiting)").isEqualTo(28);
        held.op("checkin"); // the waiting call gets the worker now, its client long gone
        assertThat(held.receive().path("checked_in").asBoolean()).isTrue();
        held.close();
        // Either way the daemon logs what it made of the hang-up once the call has the worker.
        DaemonProcess.await().until(() -> daemon.log().substring(logFrom).contains("hung up"));
        daemon.awaitIdle("slow", 1);
        assertThat(daemon.log().substring(logFrom)).contains("an HTTP client hung up while it waited for a worker").doesNotContain("request outstanding");
        assertThat(daemon.pool("slow").path("workers").get(0).path("pid").asLong()).as("the slow pool's worker").isEqualTo(pid);
    }

    private long uses() {
        JsonNode pool = daemon.pool("echo");
        long sum = 0;
        for (JsonNode w : pool.path("workers")) sum += w.path("uses").asLong();
        return sum;
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private HttpRequest.Builder post(String path, String body) {
        return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** What {@link #rawExchange} returns when the daemon reset the connection before any reply came. */
    private static final String RESET = "(connection reset)";

    /** Writes {@code bytes} on a fresh Unix-socket connection and reads what comes back until the daemon closes it. */
    private String rawExchange(String bytes) throws IOException {
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("pooly-http.sock")))) {
            c.write(ByteBuffer.wrap(bytes.getBytes(StandardCharsets.ISO_8859_1)));
            c.shutdownOutput();
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            try (InputStream in = java.nio.channels.Channels.newInputStream(c)) {
                in.transferTo(got);
            } catch (java.net.SocketException e) {
                // The daemon closed with some of our bytes unread: the reset comes after its reply, or instead of it.
                if (!"Connection reset".equals(e.getMessage())) throw e;
                if (got.size() == 0) return RESET;
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** {@code GET /v1/status} with curl on the Unix socket: the status, curl's total time in seconds, then the body. */
    private String curlStatus() throws Exception {
        return Curl.writing(dir, "%{http_code} %{time_total} ", "http://localhost/v1/status");
    }

    private String curl(String... args) throws Exception {
        return Curl.call(dir, args);
    }
}
