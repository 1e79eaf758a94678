package dev.pooly.pool;

import dev.pooly.supervisor.ExitReason;
import dev.pooly.supervisor.Intensity;
import dev.pooly.supervisor.ProcessSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.pooly.pool.RunningPool.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Pool health checks with real {@code sh} workers that answer PING with PONG until told otherwise. */
@Timeout(60)
class PoolHealthTest {

    @TempDir Path dir;

    /**
     * Answers PING with PONG, unless {@code hang-PID} exists (then it never answers) or {@code sick-PID}
     * exists (then it answers NO); any other line is echoed back as "PID line".
     */
    private PoolSpec pingers(String name, int size, PoolHealth health) {
        String script = "cd \"$DIR\"; while read -r line; do "
                + "if [ \"$line\" = PING ]; then "
                + "  if [ -e hang-$$ ]; then sleep 1000; elif [ -e sick-$$ ]; then echo NO; else echo PONG; fi; "
                + "else echo \"$$ $line\"; fi; done";
        return PoolSpec.of(name, ProcessSpec.of(name, "sh", "-c", script).withEnv(Map.of("DIR", dir.toString())), size, 0)
                .withHealth(health).withIntensity(Intensity.of(100, Duration.ofSeconds(10)));
    }

    @Test
    void aWorkerThatStopsAnsweringIsReplacedWithinEveryPlusTimeoutAndAQueuedCallerGetsTheReplacement() throws Exception {
        // We test this by making the only worker hang on its next PING, then queueing a caller while the check
        // holds it: the caller must be served, by the replacement, once the check times out.
        PoolHealth health = new PoolHealth("PING", "PONG", Duration.ofMillis(500), Duration.ofSeconds(1), false);
        try (RunningPool p = RunningPool.start(pingers("hangs", 1, health))) {
            List<WorkerExit> exits = new CopyOnWriteArrayList<>();
            p.pool.onWorkerExit(exits::add);
            long hung = p.idlePids().iterator().next();
            long start = System.nanoTime();
            Files.createFile(dir.resolve("hang-" + hung));

            // The check holds it: busy for a while (a healthy check takes milliseconds).
            await().during(Duration.ofMillis(150)).atMost(Duration.ofSeconds(10)).until(() -> p.status().busy() == 1);
            CompletableFuture<String> queued = CompletableFuture.supplyAsync(() -> {
                try (Lease lease = p.checkout(Duration.ofSeconds(20))) {
                    lease.writeLine("hello");
                    return lease.readLine();
                }
            });

            String answer = queued.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(answer).endsWith(" hello").doesNotStartWith(hung + " ");
            await().until(() -> !exits.isEmpty());
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(exits.getFirst().reason()).isEqualTo(ExitReason.HEALTH);
            assertThat(exits.getFirst().pid()).isEqualTo(hung);
            // every + timeout = 1.5 s; a check that never fired or never timed out would take far longer.
            assertThat(took).as("hang to replacement").isLessThan(Duration.ofSeconds(6));
            assertThat(p.status().lastError()).contains("gave no answer to PING within 1s");
        }
    }

    @Test
    void onCheckoutNeverLendsAnUnhealthyWorker() throws Exception {
        PoolHealth health = new PoolHealth("PING", "PONG", Duration.ZERO, Duration.ofSeconds(2), true);
        try (RunningPool p = RunningPool.start(pingers("checked", 2, health))) {
            List<WorkerExit> exits = new CopyOnWriteArrayList<>();
            p.pool.onWorkerExit(exits::add);
            for (long pid : p.idlePids()) Files.createFile(dir.resolve("sick-" + pid));

            for (int i = 0; i < 6; i++) {
                try (Lease lease = p.checkout(Duration.ofSeconds(20))) {
                    assertThat(Files.exists(dir.resolve("sick-" + lease.pid()))).as("lent worker %d is sick", lease.pid()).isFalse();
                    lease.writeLine("job" + i);
                    assertThat(lease.readLine()).isEqualTo(lease.pid() + " job" + i);
                }
            }
            await().until(() -> exits.size() == 2);
            assertThat(exits).extracting(WorkerExit::reason).containsOnly(ExitReason.HEALTH);
            assertThat(p.status().workers().stream().mapToInt(PoolStatus.Worker::uses).sum()).as("a check is not a use").isEqualTo(6);
        }
    }
}
