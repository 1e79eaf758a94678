package dev.pooly.pool;

import dev.pooly.supervisor.ExitReason;
import dev.pooly.supervisor.Intensity;
import dev.pooly.supervisor.ProcessSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.pooly.pool.RunningPool.await;
import static dev.pooly.pool.RunningPool.during;
import static org.assertj.core.api.Assertions.assertThat;

/** max_memory with real python3 workers that allocate on request. */
@Timeout(60)
class MaxMemoryTest {

    private static final long LIMIT = 64L << 20;

    /**
     * "grow" allocates (and touches) 100 MB now; "grow-later" does so 1 s later, while idle; anything
     * else is answered with "PID ok".
     */
    private static PoolSpec growers(String name) {
        String script = """
                import os, sys, threading, time
                hold = []
                def grow(): hold.append(b'x' * (100 << 20))
                for line in sys.stdin:
                    line = line.strip()
                    if line == 'grow': grow()
                    elif line == 'grow-later': threading.Thread(target=lambda: (time.sleep(1), grow())).start()
                    print(os.getpid(), 'ok', flush=True)
                """;
        return PoolSpec.of(name, ProcessSpec.of(name, "python3", "-u", "-c", script), 1, 0)
                .withMaxMemory(LIMIT).withIntensity(Intensity.of(100, Duration.ofSeconds(10)));
    }

    @Test
    void aBusyWorkerOverTheLimitFinishesItsLeaseAndIsReplacedAtCheckin() {
        try (RunningPool p = RunningPool.start(growers("busy"))) {
            List<WorkerExit> exits = new CopyOnWriteArrayList<>();
            p.pool.onWorkerExit(exits::add);
            Lease lease = p.checkout(Duration.ofSeconds(10));
            long pid = lease.pid();
            assertThat(lease.request("grow", Duration.ofSeconds(20))).isEqualTo(pid + " ok");

            // Sampled at least once a second: within 3 s it is known to be over, yet it stays lent and answers.
            during(Duration.ofSeconds(3)).untilAsserted(() -> assertThat(exits).isEmpty());
            assertThat(lease.request("still there?", Duration.ofSeconds(10))).isEqualTo(pid + " ok");
            lease.close();

            await().untilAsserted(() -> assertThat(exits).extracting(WorkerExit::pid, WorkerExit::reason)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(pid, ExitReason.MEMORY)));
            assertThat(p.awaitIdleWorkersOtherThan(1, java.util.Set.of(pid))).hasSize(1);
            assertThat(p.status().lastError()).contains("over max_memory 64 MB");
        }
    }

    @Test
    void anIdleWorkerOverTheLimitIsReplacedAtOnce() {
        try (RunningPool p = RunningPool.start(growers("idle"))) {
            List<WorkerExit> exits = new CopyOnWriteArrayList<>();
            p.pool.onWorkerExit(exits::add);
            long pid;
            try (Lease lease = p.checkout(Duration.ofSeconds(10))) {
                pid = lease.pid();
                assertThat(lease.request("grow-later", Duration.ofSeconds(10))).isEqualTo(pid + " ok");
            }

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(exits).extracting(WorkerExit::pid, WorkerExit::reason)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(pid, ExitReason.MEMORY)));
            assertThat(p.awaitIdleWorkersOtherThan(1, java.util.Set.of(pid))).hasSize(1);
        }
    }
}
