package dev.pooly.testcontainers;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clients on the host, as users run them: the real {@code pooly} CLI talks to the daemon in the
 * container through the control socket in a bind-mounted directory. We test consumer death by
 * SIGKILLing a {@code pooly checkout} client while it holds a lease: the daemon must notice the
 * connection drop and reclaim the worker as the pool's {@code on_abandon} says.
 */
@ExtendWith(DockerRequired.class)
@Testcontainers
class ConsumerDeathIT {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Pattern CHECKED_OUT = Pattern.compile("pooly: checked out (\\S+) worker (\\d+)");

    @Container
    static final PoolyContainer pooly = TestPooly.container("abandon.yaml").withHostDirectory(hostDirectory());

    private final List<Process> clients = new ArrayList<>();

    @BeforeEach
    void everyWorkerIdle() {
        await().atMost(WAIT).until(pooly::status, s -> s.pools().stream().allMatch(p -> p.idle() == p.size()));
    }

    @AfterEach
    void noClientLeft() {
        clients.forEach(Process::destroyForcibly);
    }

    @AfterAll
    static void removeTheHostDirectory() throws IOException {
        pooly.stop(); // first, so that nothing writes there any more
        try (var walk = Files.walk(pooly.getHostDirectory())) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    @Test
    void callFromTheHostThroughTheBindMountedSocket() throws Exception {
        Process call = client("call", "upper", "from the host");

        assertThat(call.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(call.exitValue()).isZero();
        assertThat(new String(call.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("FROM THE HOST\n");
    }

    @Test
    void leaseOfAKilledClientIsReclaimedAndItsWorkerReplaced() throws Exception {
        Process holder = client("checkout", "upper");
        long leased = checkedOutWorker(holder, "upper");
        assertThat(pooly.status().pool("upper").busy()).isEqualTo(1);

        holder.destroyForcibly(); // SIGKILL: no checkin, the connection just drops

        PoolyStatus after = await().atMost(WAIT).until(pooly::status, s -> s.pool("upper").idle() == 1);
        assertThat(after.pool("upper").busy()).isZero();
        assertThat(after.pool("upper").pids()).hasSize(1).doesNotContain(leased);
        assertThat(pooly.call("upper", "next holder")).isEqualTo("NEXT HOLDER");
    }

    @Test
    void leaseOfAKilledClientIsReturnedWhenThePoolSaysReturn() throws Exception {
        Process holder = client("checkout", "keeper");
        long leased = checkedOutWorker(holder, "keeper");
        assertThat(pooly.status().pool("keeper").busy()).isEqualTo(1);

        holder.destroyForcibly();

        PoolyStatus after = await().atMost(WAIT).until(pooly::status, s -> s.pool("keeper").idle() == 1);
        assertThat(after.pool("keeper").pids()).containsExactly(leased);
        assertThat(pooly.call("keeper", "same worker")).isEqualTo("SAME WORKER");
    }

    /** Starts {@code pooly ARGS -s SOCKET} on the host, with the JDK running this test; its stdin stays open. */
    private Process client(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "-XX:TieredStopAtLevel=1", "-jar", TestPooly.jar("pooly.jar").toString()));
        command.addAll(List.of(args));
        command.addAll(List.of("-s", pooly.getControlSocket().toString()));
        Process process = new ProcessBuilder(command).start();
        clients.add(process);
        return process;
    }

    /** Waits for the client's {@code pooly: checked out POOL worker PID} line; the PID. */
    private static long checkedOutWorker(Process client, String pool) throws Exception {
        BufferedReader stderr = new BufferedReader(new InputStreamReader(client.getErrorStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> readLine(stderr)).get(60, TimeUnit.SECONDS);
        Matcher m = CHECKED_OUT.matcher(line == null ? "" : line);
        assertThat(m.find()).as("first stderr line of pooly checkout: %s", line).isTrue();
        assertThat(m.group(1)).isEqualTo(pool);
        return Long.parseLong(m.group(2));
    }

    private static String readLine(BufferedReader reader) {
        try {
            return reader.readLine();
        } catch (IOException e) {
            return null;
        }
    }

    private static Path hostDirectory() {
        try {
            return Files.createTempDirectory("pooly-it-");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
