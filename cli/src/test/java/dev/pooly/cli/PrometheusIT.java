package dev.pooly.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.pooly.cli.DaemonProcess.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real Prometheus server (Debian's {@code prometheus} package; {@code .ci/run} installs it) scrapes a
 * real daemon on loopback every second. After known traffic (calls, one checkout timeout, one waiting
 * caller, one worker killed with {@code pooly kill}) PromQL over Prometheus's HTTP API returns the
 * counts, and {@code promtool check metrics} accepts the endpoint's output.
 */
class PrometheusIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CALLS = 5;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;

    @Test
    void prometheusScrapingTheDaemonSeesTheTrafficAsItHappened() throws Exception {
        int port = Http.freePort();
        try (DaemonProcess daemon = DaemonProcess.start(dir, """
                version: 1
                metrics: {listen: "127.0.0.1:%d"}
                supervisor:
                  children:
                    - pool: {name: upper, command: [cat], size: 2, max_overflow: 0}
                """.formatted(port));
             PrometheusServer prometheus = PrometheusServer.start(dir.resolve("prometheus"), "127.0.0.1:" + port)) {
            daemon.awaitIdle("upper", 2);
            prometheus.awaitValue("up{job=\"pooly\"}", 1);

            for (int i = 0; i < CALLS; i++) assertThat(daemon.cli("call", "upper", "call " + i).exit()).isZero();
            try (DaemonProcess.Client a = daemon.checkout("upper"); DaemonProcess.Client b = daemon.checkout("upper")) {
                a.awaitLease();
                b.awaitLease();
                CliRun timedOut = daemon.cli("call", "upper", "--timeout", "300ms", "never");
                assertThat(timedOut.exit()).as(timedOut::toString).isEqualTo(75);

                DaemonProcess.Client waiter = daemon.start("call", "upper", "--timeout", "60s", "waited");
                await().until(() -> daemon.pool("upper").get("waiting").asInt() == 1);
                prometheus.awaitValue("pooly_checkout_waiting{pool=\"upper\"}", 1);
                assertThat(a.checkin()).isZero();
                assertThat(waiter.awaitExit()).as(waiter::toString).isZero();
                assertThat(b.checkin()).isZero();
            }
            daemon.awaitIdle("upper", 2);
            String worker = daemon.pidsById().keySet().stream().filter(id -> id.matches("upper-\\d+")).findFirst().orElseThrow();
            assertThat(daemon.cli("kill", worker).exit()).isZero();
            daemon.awaitIdle("upper", 2);

            int ok = CALLS + 2 + 1;
            prometheus.awaitValue("sum(pooly_checkouts_total{pool=\"upper\",result=\"ok\"})", ok);
            prometheus.awaitValue("pooly_checkouts_total{pool=\"upper\",result=\"timeout\"}", 1);
            prometheus.awaitValue("pooly_worker_exits_total{pool=\"upper\",reason=\"killed\"}", 1);
            prometheus.awaitValue("pooly_checkout_waiting{pool=\"upper\"}", 0);
            prometheus.awaitValue("max_over_time(pooly_checkout_waiting{pool=\"upper\"}[5m])", 1);
            prometheus.awaitValue("pooly_checkout_wait_seconds_count{pool=\"upper\"}", ok + 1);
            prometheus.awaitValue("pooly_lease_seconds_count{pool=\"upper\"}", ok);

            Path scraped = Files.writeString(dir.resolve("scraped.txt"), Http.get("http://127.0.0.1:" + port + "/metrics").body());
            Process check = new ProcessBuilder("promtool", "check", "metrics").redirectInput(scraped.toFile())
                    .redirectErrorStream(true).start();
            String said = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(check.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(check.exitValue()).as("promtool check metrics said:%n%s", said).isZero();
        }
    }

    /** A Prometheus server on a loopback port with a generated config and its own storage. */
    static final class PrometheusServer implements AutoCloseable {
        private final Process process;
        private final String api;
        private final Path log;

        private PrometheusServer(Process process, String api, Path log) {
            this.process = process;
            this.api = api;
            this.log = log;
        }

        static PrometheusServer start(Path dir, String target) throws IOException {
            Files.createDirectories(dir);
            Path config = Files.writeString(dir.resolve("prometheus.yml"), """
                    global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
                    scrape_configs:
                      - job_name: pooly
                        static_configs: [{targets: ["%s"]}]
                    """.formatted(target));
            String listen = "127.0.0.1:" + Http.freePort();
            Path log = dir.resolve("prometheus.log");
            Process process;
            try {
                process = new ProcessBuilder("prometheus", "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("data"),
                        "--web.listen-address=" + listen).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            } catch (IOException e) {
                throw new IOException("cannot run prometheus (Debian package 'prometheus'; .ci/run installs it): " + e.getMessage(), e);
            }
            PrometheusServer server = new PrometheusServer(process, "http://" + listen, log);
            await().failFast("prometheus exited", () -> !process.isAlive())
                    .ignoreExceptions().until(() -> Http.get(server.api + "/-/ready").status() == 200);
            return server;
        }

        /** Waits until {@code promql} has exactly one sample, equal to {@code expected}. */
        void awaitValue(String promql, double expected) {
            await().atMost(Duration.ofSeconds(60)).failFast("prometheus exited", () -> !process.isAlive())
                    .untilAsserted(() -> assertThat(query(promql)).as("%s", promql).containsExactly(expected));
        }

        List<Double> query(String promql) throws IOException {
            Http.Reply reply = Http.get(api + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
            JsonNode body = JSON.readTree(reply.body());
            assertThat(body.path("status").asText()).as("%s: %s", promql, reply.body()).isEqualTo("success");
            return java.util.stream.StreamSupport.stream(body.path("data").path("result").spliterator(), false)
                    .map(r -> Double.parseDouble(r.path("value").get(1).asText())).toList();
        }

        @Override public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }

        @Override public String toString() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                return e.toString();
            }
        }
    }
}
