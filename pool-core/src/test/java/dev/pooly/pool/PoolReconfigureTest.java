package dev.pooly.pool;

import dev.pooly.supervisor.ProcessSpec;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.pooly.testing.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A running pool changed in place, as a reload or {@code pooly scale} changes it: resized up and
 * down, and its workers rolled onto a new command, while callers keep calling; no call fails.
 */
class PoolReconfigureTest {
    static PoolSpec cats(int size, int maxOverflow, String... command) {
        return PoolSpec.of("roll", ProcessSpec.of("roll", command), size, maxOverflow)
                .withCheckoutTimeout(Duration.ofSeconds(30));
    }

    /** Callers in a loop: each checks out, asks one line, checks in; failures are counted, not thrown. */
    static final class Callers implements AutoCloseable {
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicInteger ok = new AtomicInteger();
        final List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        final Set<Long> pids = ConcurrentHashMap.newKeySet();
        final List<Thread> threads = new ArrayList<>();

        Callers(Pool pool, int n) {
            for (int i = 0; i < n; i++) {
                int me = i;
                threads.add(Thread.ofVirtual().start(() -> {
                    int k = 0;
                    while (!stop.get()) {
                        String line = "c" + me + "-" + k++;
                        try (Lease lease = pool.checkout()) {
                            pids.add(lease.pid());
                            String answer = lease.request(line, Duration.ofSeconds(30));
                            if (!line.equals(answer)) failures.add(new AssertionError("asked " + line + ", got " + answer));
                            else ok.incrementAndGet();
                        } catch (RuntimeException e) {
                            failures.add(e);
                        }
                    }
                }));
            }
        }

        @Override public void close() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) t.join();
        }
    }

    static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8).replace('\0', ' ').trim();
        } catch (IOException gone) {
            return "";
        }
    }

    @Test
    void aChangedWorkerCommandRollsEveryWorkerWhileCallersCallAndNoCallFails() throws Exception {
        try (StandalonePool pool = Pools.start(cats(3, 0, "cat"))) {
            await().until(() -> pool.status().idle() == 3);
            try (Callers callers = new Callers(pool, 4)) {
                await().until(() -> callers.ok.get() > 50);
                pool.reconfigure(cats(3, 0, "cat", "-u"));
                int before = callers.ok.get();
                await().until(() -> pool.status().workers().size() == 3
                        && pool.status().workers().stream().allMatch(w -> cmdline(w.pid()).equals("cat -u")));
                await().until(() -> callers.ok.get() > before + 50);
                assertThat(callers.failures).isEmpty();
            }
            PoolStatus s = pool.status();
            assertThat(s.workers()).hasSize(3).allSatisfy(w -> assertThat(cmdline(w.pid())).isEqualTo("cat -u"));
            assertThat(s.size()).isEqualTo(3);
            // Each roll step's extra worker took a free slot while the old one still held its own: at most
            // one slot beyond size + max_overflow, and never two live workers in one slot.
            assertThat(s.workers()).extracting(PoolStatus.Worker::index).doesNotHaveDuplicates()
                    .allSatisfy(i -> assertThat(i).isBetween(0, s.size() + s.maxOverflow()));
        }
    }

    @Test
    void aPoolGrowsAndShrinksUnderLoadWithNoFailedCall() throws Exception {
        try (StandalonePool pool = Pools.start(cats(2, 0, "cat"))) {
            await().until(() -> pool.status().idle() == 2);
            try (Callers callers = new Callers(pool, 4)) {
                pool.resize(5, 0);
                await().until(() -> pool.status().workers().stream().filter(w -> w.pid() != 0).count() == 5);
                int mid = callers.ok.get();
                await().until(() -> callers.ok.get() > mid + 50);
                pool.resize(1, 1);
                await().until(() -> pool.status().size() == 1
                        && pool.status().workers().stream().filter(w -> w.pid() != 0).count() <= 2);
                int late = callers.ok.get();
                await().until(() -> callers.ok.get() > late + 50);
                assertThat(callers.failures).isEmpty();
            }
            await().until(() -> pool.status().workers().size() == 1 && pool.status().idle() == 1);
            // Growing again takes the free slots, from the lowest: none taken twice.
            pool.resize(4, 0);
            await().until(() -> pool.status().idle() == 4);
            assertThat(pool.status().workers()).extracting(PoolStatus.Worker::index).doesNotHaveDuplicates()
                    .allSatisfy(i -> assertThat(i).isBetween(0, 4));
        }
    }

    @Test
    void shrinkingDismissesIdleWorkersAtOnceAndBusyOnesOnlyAtCheckin() throws Exception {
        try (StandalonePool pool = Pools.start(cats(3, 0, "cat"))) {
            await().until(() -> pool.status().idle() == 3);
            try (Lease a = pool.checkout(); Lease b = pool.checkout()) {
                pool.resize(1, 0);
                await().until(() -> pool.status().idle() == 0 && pool.status().workers().size() == 2);
                assertThat(a.request("still here", Duration.ofSeconds(10))).isEqualTo("still here");
                assertThat(b.isAlive()).isTrue();
            }
            await().until(() -> pool.status().workers().size() == 1 && pool.status().idle() == 1);
        }
    }

    @Test
    void aReloadThatSetsMaxMemoryStartsSamplingTheRunningWorkers() throws Exception {
        try (StandalonePool pool = Pools.start(cats(2, 0, "cat"))) {
            await().until(() -> pool.status().idle() == 2);
            List<WorkerExit> exits = new java.util.concurrent.CopyOnWriteArrayList<>();
            pool.onWorkerExit(exits::add);
            // No rounds ran before (max_memory 0); a one-byte limit makes every sampled worker over it.
            pool.reconfigure(cats(2, 0, "cat").withMaxMemory(1));
            await().until(() -> exits.stream().anyMatch(e -> e.reason() == dev.pooly.supervisor.ExitReason.MEMORY));
        }
    }
}
