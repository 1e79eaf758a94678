package dev.pooly.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.pooly.cli.DaemonProcess.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code metrics.listen} and {@code shutdown.drain} against a real daemon: the endpoints, the status
 * and the metrics agreeing, and a drain that loses no request in flight.
 */
class ObservabilityIT {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;

    @Test
    void theEndpointsServeEveryContractMetricAndProbesAndTheMetricsAgreeWithTheStatus() {
        int port = Http.freePort();
        String base = "http://127.0.0.1:" + port;
        try (DaemonProcess daemon = DaemonProcess.start(dir, """
                version: 1
                metrics: {listen: "127.0.0.1:%d"}
                supervisor:
                  children:
                    - pool: {name: upper, command: [cat], size: 2, max_overflow: 1}
                """.formatted(port))) {
            daemon.awaitIdle("upper", 2);
            assertThat(Http.get(base + "/healthz").status()).isEqualTo(200);
            await().until(() -> Http.get(base + "/readyz").status() == 200);
            assertThat(Http.get(base + "/nothing").status()).isEqualTo(404);

            assertThat(daemon.cli("call", "upper", "hi").exit()).isZero();
            try (DaemonProcess.Client holder = daemon.checkout("upper")) {
                holder.awaitLease();
                JsonNode pool = daemon.pool("upper");
                String metrics = Http.get(base + "/metrics").body();

                assertThat(metrics).contains("# TYPE pooly_workers gauge", "# TYPE pooly_workers_max gauge",
                        "# TYPE pooly_checkout_waiting gauge", "# TYPE pooly_checkouts_total counter",
                        "# TYPE pooly_checkout_wait_seconds histogram", "# TYPE pooly_lease_seconds histogram",
                        "# TYPE pooly_worker_exits_total counter", "# TYPE pooly_child_restarts_total counter",
                        "# TYPE pooly_supervisor_gave_up_total counter");
                assertThat(value(metrics, "pooly_workers{pool=\"upper\",state=\"idle\"}")).isEqualTo(pool.get("idle").asDouble());
                assertThat(value(metrics, "pooly_workers{pool=\"upper\",state=\"busy\"}")).isEqualTo(pool.get("busy").asDouble()).isEqualTo(1);
                assertThat(value(metrics, "pooly_workers_max{pool=\"upper\"}")).isEqualTo(3);
                assertThat(value(metrics, "pooly_checkout_waiting{pool=\"upper\"}")).isZero();
                assertThat(value(metrics, "pooly_checkouts_total{pool=\"upper\",result=\"ok\"}")).isEqualTo(2);
                assertThat(value(metrics, "pooly_lease_seconds_count{pool=\"upper\"}")).isEqualTo(1);
                assertThat(value(metrics, "pooly_worker_exits_total{pool=\"upper\",reason=\"crash\"}")).isZero();
                assertThat(metrics).doesNotContain("pid=");
                assertThat(holder.checkin()).isZero();
            }
        }
    }

    @Test
    void aPoolThatAReloadAddsIsMeasuredAndProbedLikeTheOthers() {
        int port = Http.freePort();
        String base = "http://127.0.0.1:" + port;
        String config = """
                version: 1
                metrics: {listen: "127.0.0.1:%d"}
                supervisor:
                  children:
                    - pool: {name: upper, command: [cat], size: 1}
                """.formatted(port);
        try (DaemonProcess daemon = DaemonProcess.start(dir, config)) {
            daemon.awaitIdle("upper", 1);
            DaemonProcess.writeConfig(dir, config + "    - pool: {name: added, command: [cat], size: 2}\n");
            assertThat(daemon.cli("reload").exit()).isZero();
            daemon.awaitIdle("added", 2);

            assertThat(daemon.cli("call", "added", "hi").exit()).isZero();
            await().until(() -> Http.get(base + "/readyz").status() == 200);
            String metrics = Http.get(base + "/metrics").body();
            assertThat(value(metrics, "pooly_checkouts_total{pool=\"added\",result=\"ok\"}")).isEqualTo(1);
            assertThat(value(metrics, "pooly_workers{pool=\"added\",state=\"idle\"}")).isEqualTo(2);
            assertThat(value(metrics, "pooly_workers_max{pool=\"added\"}")).isEqualTo(2);
        }
    }

    /**
     * We test this with a worker that answers 3 s after the test opens a gate (so that a loaded
     * machine cannot end the request before the checks): SIGTERM arrives while the request is in
     * flight; /readyz turns 503 and the pool shows draining at once, a new checkout is refused as
     * draining (exit 69); then the request completes and the daemon exits 0 once the lease has ended.
     */
    @Test
    void sigtermDrainsTheRequestInFlightRefusesNewCheckoutsAndExits0() throws Exception {
        Path gate = dir.resolve("gate");
        int port = Http.freePort();
        String base = "http://127.0.0.1:" + port;
        try (DaemonProcess daemon = DaemonProcess.start(dir, """
                version: 1
                metrics: {listen: "127.0.0.1:%d"}
                shutdown: {drain: 30s}
                supervisor:
                  children:
                    - pool: {name: slow, command: [sh, -c, 'while read l; do while [ ! -e %s ]; do sleep 0.05; done; sleep 3; echo "$l"; done'], size: 2}
                """.formatted(port, gate))) {
            daemon.awaitIdle("slow", 2);
            await().until(() -> Http.get(base + "/readyz").status() == 200);
            DaemonProcess.Client inFlight = daemon.start("call", "slow", "finish me");
            await().until(() -> daemon.pool("slow").get("busy").asInt() == 1);

            daemon.sigterm();
            await().until(() -> Http.get(base + "/readyz").status() == 503);
            assertThat(daemon.pool("slow").get("state").asText()).isEqualTo("draining");
            CliRun refused = daemon.cli("call", "slow", "too late");

            assertThat(refused.exit()).as(refused::toString).isEqualTo(69);
            assertThat(refused.err()).contains("draining");
            assertThat(daemon.isRunning()).as("the daemon waits for the lease").isTrue();
            java.nio.file.Files.createFile(gate);
            assertThat(inFlight.awaitExit()).as(inFlight::toString).isZero();
            assertThat(inFlight.out()).isEqualTo("finish me\n");
            assertThat(daemon.awaitExit()).as(daemon::log).isZero();
            assertThat(daemon.log()).contains("draining");
        }
    }

    @Test
    void aMetricsAddressInUseIsAStartupErrorNamingItAndStartsNothing() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Path marker = dir.resolve("started");
            Path config = DaemonProcess.writeConfig(dir, """
                    version: 1
                    metrics: {listen: "127.0.0.1:%d"}
                    supervisor:
                      children:
                        - pool: {name: upper, command: [sh, -c, 'touch %s; exec cat'], size: 1}
                    """.formatted(taken.getLocalPort(), marker));
            try (DaemonProcess daemon = DaemonProcess.launch(config)) {
                assertThat(daemon.awaitExit()).as(daemon::log).isEqualTo(1);
                assertThat(daemon.log()).contains("cannot listen for metrics on 127.0.0.1:" + taken.getLocalPort());
                assertThat(marker).as("no worker started").doesNotExist();
                assertThat(daemon.socket()).doesNotExist();
            }
        }
    }

    /** The value of one sample line {@code series value} in the text format. */
    static double value(String metrics, String series) {
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(metrics);
        assertThat(m.find()).as("series %s in%n%s", series, metrics).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
