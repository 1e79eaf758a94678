package dev.pooly.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.pooly.cli.DaemonProcess.alive;
import static dev.pooly.cli.DaemonProcess.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Poolboy's scenarios through the real CLI against one real daemon: every pool of the config
 * serves one scenario, so the tests do not disturb each other, and each test leaves its pool at
 * rest. Workers are {@code cat} (one request line in, the same line out) and the example Crashy.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PoolScenariosIT {
    private static final Map<String, Integer> SIZES = Map.of("two", 2, "mixed", 1, "elastic", 0, "single", 1, "victims", 2,
            "replaced", 1, "returned", 1, "crashy", 1);

    private DaemonProcess daemon;

    @BeforeAll
    void startDaemon(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) {
        daemon = DaemonProcess.start(dir, """
                version: 1
                control: {socket: pooly.sock}
                logs: {dir: logs}
                supervisor:
                  strategy: one_for_one
                  max_restarts: 100
                  max_seconds: 5
                  children:
                    - process: {id: ticker, command: [sleep, "100000"]}
                    - pool: {name: two, command: [cat], size: 2, max_overflow: 0}
                    - pool: {name: mixed, command: [cat], size: 1, max_overflow: 1}
                    - pool: {name: elastic, command: [cat], size: 0, max_overflow: 2}
                    - pool: {name: single, command: [cat], size: 1, max_overflow: 0, checkout_timeout: 1s}
                    - pool: {name: victims, command: [cat], size: 2, max_overflow: 0, max_restarts: 100}
                    - pool: {name: replaced, command: [cat], size: 1, on_abandon: replace}
                    - pool: {name: returned, command: [cat], size: 1, on_abandon: return}
                    - pool:
                        name: crashy
                        command: [java, -cp, %s, dev.pooly.examples.Crashy, --ready]
                        size: 1
                        ready: {line: READY, timeout: 60s}
                """.formatted(DaemonProcess.WORKER_JAR));
    }

    /** Every test starts with every pool at rest: its size in idle workers, nobody busy or waiting. */
    @BeforeEach
    void everyPoolAtRest() {
        SIZES.forEach(daemon::awaitIdle);
    }

    @AfterAll
    void stopDaemon() {
        if (daemon != null) daemon.close();
    }

    @Test
    void statusJsonHasTheContractsFieldsForPoolsOfSizeAndOverflow20And11And02() throws Exception {
        CliRun run = daemon.cli("status", "--json");

        assertThat(run.exit()).as(run::toString).isZero();
        JsonNode status = DaemonProcess.JSON.readTree(run.out());
        assertThat(names(status)).contains("pools", "tree");

        List<JsonNode> pools = new ArrayList<>();
        status.get("pools").forEach(pools::add);
        assertThat(pools).extracting(p -> p.get("name").asText())
                .containsExactly("two", "mixed", "elastic", "single", "victims", "replaced", "returned", "crashy");
        for (JsonNode pool : pools) {
            assertThat(names(pool)).as(pool.toString())
                    .contains("name", "state", "size", "max_overflow", "idle", "busy", "overflow", "waiting", "workers");
            for (String count : List.of("size", "max_overflow", "idle", "busy", "overflow", "waiting")) {
                assertThat(pool.get(count).isInt()).as(count + " in " + pool).isTrue();
            }
            for (JsonNode worker : pool.get("workers")) {
                assertThat(names(worker)).as(worker.toString()).contains("pid", "state", "uses");
                assertThat(worker.get("pid").isNumber()).isTrue();
                assertThat(worker.get("state").asText()).isEqualTo("idle");
                assertThat(alive(worker.get("pid").asLong())).isTrue();
            }
        }
        assertPool(pools.get(0), "two", "ready", 2, 0, 2);
        assertPool(pools.get(1), "mixed", "ready", 1, 1, 1);
        // poolboy: no idle worker but an overflow one may start is "overflow", even at rest.
        assertPool(pools.get(2), "elastic", "overflow", 0, 2, 0);

        JsonNode tree = status.get("tree");
        assertThat(names(tree)).contains("id", "type", "state", "restarts", "children");
        assertThat(tree.get("id").asText()).isEqualTo("root");
        assertThat(tree.get("type").asText()).isEqualTo("supervisor");
        assertThat(tree.get("state").asText()).isEqualTo("running");
        JsonNode ticker = tree.get("children").get(0);
        assertThat(names(ticker)).contains("id", "type", "state", "pid", "restarts");
        assertThat(ticker.get("id").asText()).isEqualTo("ticker");
        assertThat(ticker.get("type").asText()).isEqualTo("process");
        assertThat(ticker.get("state").asText()).isEqualTo("running");
        assertThat(ticker.get("restarts").asInt()).isZero();
        assertThat(alive(ticker.get("pid").asLong())).isTrue();
        assertThat(tree.get("children")).extracting(n -> n.get("id").asText())
                .containsExactly("ticker", "two", "mixed", "elastic", "single", "victims", "replaced", "returned", "crashy");
        for (JsonNode pool : pools) {
            String name = pool.get("name").asText();
            JsonNode poolNode = DaemonProcess.nodes(tree).stream().filter(n -> n.get("id").asText().equals(name)).findFirst().orElseThrow();
            assertThat(poolNode.get("type").asText()).isEqualTo("pool");
            assertThat(DaemonProcess.nodes(poolNode)).filteredOn(n -> n.get("type").asText().equals("worker"))
                    .as("the tree's workers of pool " + name).extracting(n -> n.get("pid").asLong())
                    .containsExactlyInAnyOrderElementsOf(pool.findValues("pid").stream().map(JsonNode::asLong).toList());
        }
        for (JsonNode node : DaemonProcess.nodes(tree)) {
            assertThat(node.get("state").asText()).as(node.toString())
                    .isIn("starting", "running", "restarting", "stopped", "failed");
        }
    }

    private static void assertPool(JsonNode pool, String name, String state, int size, int maxOverflow, int idle) {
        assertThat(pool.get("name").asText()).isEqualTo(name);
        assertThat(pool.get("state").asText()).as(pool.toString()).isEqualTo(state);
        assertThat(pool.get("size").asInt()).isEqualTo(size);
        assertThat(pool.get("max_overflow").asInt()).isEqualTo(maxOverflow);
        assertThat(pool.get("idle").asInt()).as(pool.toString()).isEqualTo(idle);
        assertThat(pool.get("busy").asInt()).isZero();
        assertThat(pool.get("overflow").asInt()).isZero();
        assertThat(pool.get("waiting").asInt()).isZero();
        assertThat(pool.get("workers")).hasSize(idle);
    }

    /**
     * We test this by holding leases with {@code pooly checkout} clients one by one until the pool
     * is full, checking poolboy's state after each, then checking them all in: overflow workers are
     * dismissed (overflow_ttl 0s) and the pool is back where it started.
     */
    @ParameterizedTest(name = "pool {0} (size {1}, max_overflow {2}): {3}")
    @CsvSource(delimiter = '|', textBlock = """
            two     | 2 | 0 | ready, full
            mixed   | 1 | 1 | overflow, full
            elastic | 0 | 2 | overflow, full
            """)
    void checkoutsFillThePoolThroughOverflowUntilFullAndCheckinsDismissTheOverflow(String pool, int size, int maxOverflow, String states) {
        List<String> expectedStates = List.of(states.split(", "));
        assertThat(daemon.workerPids(pool)).hasSize(size);
        List<DaemonProcess.Client> holders = new ArrayList<>();
        List<Long> leased = new ArrayList<>();
        try {
            for (int held = 1; held <= size + maxOverflow; held++) {
                DaemonProcess.Client holder = daemon.checkout(pool);
                holders.add(holder);
                leased.add(holder.awaitLease());
                int busy = held;
                JsonNode status = await().until(() -> daemon.pool(pool), p -> p.get("busy").asInt() == busy);

                assertThat(status.get("state").asText()).as(status.toString()).isEqualTo(expectedStates.get(held - 1));
                assertThat(status.get("idle").asInt()).isEqualTo(Math.max(0, size - held));
                assertThat(status.get("overflow").asInt()).isEqualTo(Math.max(0, held - size));
                assertThat(status.get("workers")).filteredOn(w -> w.get("state").asText().equals("busy")).hasSize(held);
            }
            assertThat(leased).doesNotHaveDuplicates();

            for (DaemonProcess.Client holder : holders) assertThat(holder.checkin()).as(holder::toString).isZero();
        } finally {
            holders.forEach(DaemonProcess.Client::close);
        }

        daemon.awaitIdle(pool, size);
        // As in poolboy, a checkin while overflow workers live dismisses the worker checked in, whichever it is.
        List<Long> kept = daemon.workerPids(pool);
        assertThat(leased).containsAll(kept);
        List<Long> dismissed = leased.stream().filter(pid -> !kept.contains(pid)).toList();
        assertThat(dismissed).hasSize(maxOverflow);
        await().untilAsserted(() -> assertThat(dismissed).noneMatch(DaemonProcess::alive));
    }

    @Test
    void checkoutConnectsStdinAndStdoutToTheWorkerAndPrintsItsPid() {
        try (DaemonProcess.Client holder = daemon.checkout("single")) {
            long pid = holder.awaitLease();
            assertThat(daemon.workerPids("single")).containsExactly(pid);

            holder.send("hello\nworld\n");
            await().untilAsserted(() -> assertThat(holder.out()).isEqualTo("hello\nworld\n"));

            assertThat(holder.checkin()).as(holder::toString).isZero();
            assertThat(holder.err()).startsWith("pooly: checked out single worker " + pid + "\n");
        }
        daemon.awaitIdle("single", 1);
    }

    @Test
    void fullPoolAnswersNoWaitAndTimedOutCheckoutsWith75AndKeepsTheWorkerWithItsHolder() {
        try (DaemonProcess.Client holder = daemon.checkout("single")) {
            long pid = holder.awaitLease();

            CliRun noWait = daemon.cli("call", "single", "--no-wait", "hello");
            CliRun timedOut = daemon.cli("checkout", "single", "--timeout", "300ms");
            CliRun poolsTimeout = daemon.cli("call", "single", "hello"); // the pool's checkout_timeout: 1s

            assertThat(noWait.exit()).as(noWait::toString).isEqualTo(ExitCode.TEMPORARY_FAILURE).isEqualTo(75);
            assertThat(noWait.err()).startsWith("pooly: ").contains("full");
            assertThat(noWait.out()).isEmpty();
            assertThat(timedOut.exit()).as(timedOut::toString).isEqualTo(ExitCode.TEMPORARY_FAILURE);
            assertThat(timedOut.err()).startsWith("pooly: ").contains("300ms").doesNotContain("checked out");
            assertThat(poolsTimeout.exit()).as(poolsTimeout::toString).isEqualTo(ExitCode.TEMPORARY_FAILURE);
            assertThat(poolsTimeout.err()).contains("1s");
            JsonNode pool = daemon.pool("single");
            assertThat(pool.get("state").asText()).isEqualTo("full");
            assertThat(pool.get("waiting").asInt()).as("a caller that timed out is no longer queued").isZero();
            assertThat(pool.get("workers")).singleElement().satisfies(w -> {
                assertThat(w.get("pid").asLong()).isEqualTo(pid);
                assertThat(w.get("state").asText()).isEqualTo("busy");
            });

            holder.send("still mine\n");
            await().untilAsserted(() -> assertThat(holder.out()).isEqualTo("still mine\n"));
            assertThat(holder.checkin()).isZero();
        }
        daemon.awaitIdle("single", 1);
    }

    @Test
    void waitingCallerGetsTheWorkerWhenItsHolderChecksIn() {
        try (DaemonProcess.Client holder = daemon.checkout("single")) {
            long pid = holder.awaitLease();
            DaemonProcess.Client waiter = daemon.checkout("single", "--timeout", "50s");
            try (waiter) {
                await().until(() -> daemon.pool("single").get("waiting").asInt(), waiting -> waiting == 1);

                assertThat(holder.checkin()).isZero();

                assertThat(waiter.awaitLease()).isEqualTo(pid);
                waiter.send("served\n");
                await().untilAsserted(() -> assertThat(waiter.out()).isEqualTo("served\n"));
                assertThat(waiter.checkin()).as(waiter::toString).isZero();
            }
        }
        daemon.awaitIdle("single", 1);
    }

    @Test
    void callPrintsTheWorkersAnswerToTheRequestArgument() {
        CliRun run = daemon.cli("call", "two", "hello, pool");

        assertThat(run.exit()).as(run::toString).isZero();
        assertThat(run.out()).isEqualTo("hello, pool\n");
        assertThat(run.err()).isEmpty();
        daemon.awaitIdle("two", 2);
    }

    @Test
    void callSends2000StdinLinesAndPrintsTheAnswersInOrder() {
        String lines = IntStream.rangeClosed(1, 2000).mapToObj(i -> "request " + i).collect(Collectors.joining("\n", "", "\n"));

        CliRun run = daemon.cliWithInput(lines, "call", "two");

        assertThat(run.exit()).as(run::toString).isZero();
        assertThat(run.out()).isEqualTo(lines);
        daemon.awaitIdle("two", 2);
    }

    @Test
    void callToAnUnknownPoolExits69NamingThePool() {
        CliRun run = daemon.cli("call", "nosuchpool", "hello");

        assertThat(run.exit()).as(run::toString).isEqualTo(ExitCode.UNAVAILABLE).isEqualTo(69);
        assertThat(run.err()).contains("nosuchpool");
    }

    @Test
    void workerKilledWhileIdleIsReplaced() {
        List<Long> before = daemon.workerPids("victims");
        long victim = before.get(0);

        ProcessHandle.of(victim).orElseThrow().destroyForcibly();

        await().untilAsserted(() -> assertThat(daemon.workerPids("victims")).hasSize(2).doesNotContain(victim));
        JsonNode pool = daemon.awaitIdle("victims", 2);
        assertThat(pool.get("state").asText()).isEqualTo("ready");
        assertThat(daemon.workerPids("victims")).contains(before.get(1));
        assertThat(alive(victim)).isFalse();
        CliRun run = daemon.cli("call", "victims", "after");
        assertThat(run.out()).as(run::toString).isEqualTo("after\n");
    }

    @Test
    void workerKilledWhileCheckedOutIsReplacedAndItsHolderExits1() {
        List<Long> before = daemon.workerPids("victims");
        try (DaemonProcess.Client holder = daemon.checkout("victims")) {
            long victim = holder.awaitLease();

            ProcessHandle.of(victim).orElseThrow().destroyForcibly();

            // Its stdin stays open, as a terminal's would: the client must not wait for more input to notice.
            assertThat(holder.awaitExit(Duration.ofSeconds(10))).as(holder::toString).isEqualTo(ExitCode.FAILURE);
            assertThat(holder.err()).contains(Long.toString(victim));
            daemon.awaitIdle("victims", 2);
            List<Long> after = daemon.workerPids("victims");
            assertThat(after).doesNotContain(victim);
            assertThat(after).containsAll(before.stream().filter(pid -> pid != victim).toList());
        }
    }

    @Test
    void workerDyingMidCallExits1AndIsReplaced() {
        long before = daemon.workerPids("crashy").get(0);

        CliRun crash = daemon.cli("call", "crashy", "crash");

        assertThat(crash.exit()).as(crash::toString).isEqualTo(ExitCode.FAILURE).isEqualTo(1);
        assertThat(crash.out()).isEmpty();
        assertThat(crash.err()).startsWith("pooly: ").contains(Long.toString(before));
        daemon.awaitIdle("crashy", 1);
        assertThat(daemon.workerPids("crashy")).doesNotContain(before);
        assertThat(alive(before)).isFalse();
    }

    @Test
    void callWithStdinStillOpenExits1AsSoonAsTheWorkerDiesMidCall() {
        long before = daemon.workerPids("crashy").get(0);
        try (DaemonProcess.Client caller = daemon.start("call", "crashy")) {
            caller.send("hello\n");
            await().untilAsserted(() -> assertThat(caller.out()).isEqualTo("hello\n"));

            caller.send("crash\n");

            // Its stdin stays open, as a terminal's would: the client must not wait for more input to notice.
            assertThat(caller.awaitExit(Duration.ofSeconds(10))).as(caller::toString).isEqualTo(ExitCode.FAILURE);
            assertThat(caller.err()).contains(Long.toString(before));
        }
        daemon.awaitIdle("crashy", 1);
        assertThat(daemon.workerPids("crashy")).doesNotContain(before);
    }

    /**
     * We test this by SIGKILLing a {@code pooly checkout} client that holds the only worker: the
     * daemon sees its connection end without a checkin, and applies the pool's on_abandon.
     */
    @ParameterizedTest(name = "on_abandon of pool {0}: the worker is {1}")
    @CsvSource({"replaced, replaced", "returned, returned"})
    void leaseOfAKilledCheckoutClientIsReclaimedPerOnAbandon(String pool, String fate) {
        long before = daemon.workerPids(pool).get(0);
        DaemonProcess.Client holder = daemon.checkout(pool);
        assertThat(holder.awaitLease()).isEqualTo(before);
        assertThat(daemon.pool(pool).get("busy").asInt()).isOne();

        holder.kill();

        daemon.awaitIdle(pool, 1);
        long after = daemon.workerPids(pool).get(0);
        if (fate.equals("replaced")) {
            assertThat(after).isNotEqualTo(before);
            await().untilAsserted(() -> assertThat(alive(before)).isFalse());
        } else {
            assertThat(after).isEqualTo(before);
            assertThat(alive(before)).isTrue();
            CliRun run = daemon.cli("call", pool, "next holder");
            assertThat(run.out()).as(run::toString).isEqualTo("next holder\n");
        }
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
