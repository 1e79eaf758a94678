package dev.pooly.pool;

import dev.pooly.testing.Pids;

import dev.pooly.supervisor.Intensity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static dev.pooly.pool.RunningPool.Counts.ready;
import static dev.pooly.pool.RunningPool.cats;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many callers on a small pool while workers die under them: every call ends cleanly (an answer or a
 * pool exception), no worker is ever lent to two callers at once, and the pool ends where it started.
 */
@Timeout(90)
class PoolStressTest {

    private static final int CALLERS = 32;
    private static final int ROUNDS = 40;
    private static final int MAX_KILLS = 40;

    @Test
    void manyCallersAndRandomWorkerKillsLeaveThePoolWhereItStarted() throws Exception {
        // We test this by running 32 virtual threads that each check out, send a line, check its echo
        // and check in (or discard) 40 times on a pool of 2 + 2 overflow, while a killer SIGKILLs a
        // random worker after every few answered requests. Each caller notes which pid it holds, so a
        // worker lent twice at once shows up as a clash.
        // Without backoff: 40 kills of young workers would otherwise rightly back their slots off to 30 s.
        PoolSpec spec = PoolSpec.of("stress", dev.pooly.supervisor.ProcessSpec.of("stress", "cat").withBackoff(dev.pooly.supervisor.Backoff.NONE), 2, 2)
                .withIntensity(Intensity.of(100_000, Duration.ofSeconds(1)));
        try (RunningPool p = RunningPool.start(spec)) {
            Map<Long, String> holders = new ConcurrentHashMap<>();
            Queue<String> clashes = new ConcurrentLinkedQueue<>();
            Queue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
            Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
            BlockingQueue<Integer> answered = new LinkedBlockingQueue<>();
            AtomicBoolean callersDone = new AtomicBoolean();
            AtomicInteger kills = new AtomicInteger();

            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> callers = IntStream.range(0, CALLERS).<Future<?>>mapToObj(c -> threads.submit(() -> {
                    for (int round = 0; round < ROUNDS; round++) {
                        String outcome = call(p, "caller-" + c, round, holders, clashes, answered);
                        outcomes.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
                        if (outcome.startsWith("unexpected")) unexpected.add(new AssertionError(outcome));
                    }
                })).toList();
                Future<?> killer = threads.submit(() -> {
                    int ticks = 0;
                    while (!callersDone.get() && kills.get() < MAX_KILLS) {
                        Integer tick = answered.poll(50, TimeUnit.MILLISECONDS);
                        if (tick == null || ++ticks % 5 != 0) continue;
                        List<Long> workers = p.workerPids().stream().sorted().toList();
                        if (workers.isEmpty()) continue;
                        Pids.sigkill(workers.get(ThreadLocalRandom.current().nextInt(workers.size())));
                        kills.incrementAndGet();
                    }
                    return null;
                });
                for (Future<?> caller : callers) caller.get(60, TimeUnit.SECONDS);
                callersDone.set(true);
                killer.get(10, TimeUnit.SECONDS);
            }

            assertThat(unexpected).as("calls that did not end cleanly").isEmpty();
            assertThat(clashes).as("workers lent to two callers at once").isEmpty();
            int total = outcomes.values().stream().mapToInt(AtomicInteger::get).sum();
            assertThat(total).as("outcomes %s", outcomes).isEqualTo(CALLERS * ROUNDS);
            assertThat(outcomes.getOrDefault("answered", new AtomicInteger()).get()).as("outcomes %s", outcomes)
                    .isGreaterThan(CALLERS * ROUNDS / 2);
            assertThat(kills.get()).as("workers killed").isPositive();

            p.awaitCounts(ready(2, 0, 0));
            p.awaitSettled();
            try (Lease lease = p.checkout()) {
                assertThat(lease.request("still standing", RunningPool.PATIENCE)).isEqualTo("still standing");
            }
            assertThat(p.seenPids()).as("processes the pool started").hasSizeGreaterThan(4);
        }
    }

    /** One checkout, request and checkin (every tenth round a discard); returns how it ended. */
    private static String call(RunningPool p, String caller, int round, Map<Long, String> holders,
                               Queue<String> clashes, BlockingQueue<Integer> answered) {
        Lease lease;
        try {
            lease = p.checkout(Duration.ofSeconds(10));
        } catch (PoolTimeoutException e) {
            return "checkout timed out";
        } catch (PoolException e) {
            return "checkout failed: " + e.getClass().getSimpleName();
        } catch (Throwable t) {
            return "unexpected at checkout: " + t;
        }
        long pid = lease.pid();
        String other = holders.putIfAbsent(pid, caller);
        if (other != null) clashes.add("pid " + pid + " lent to " + caller + " while " + other + " held it");
        String outcome;
        boolean discard = round % 10 == 9;
        try {
            String line = caller + " round " + round;
            String answer = lease.request(line, Duration.ofSeconds(5));
            outcome = line.equals(answer) ? "answered" : "unexpected answer '" + answer + "' to '" + line + "'";
            if (outcome.equals("answered")) answered.add(round);
        } catch (WorkerDiedException e) {
            outcome = "worker died";
        } catch (PoolException e) {
            outcome = "request failed: " + e.getClass().getSimpleName();
        } catch (Throwable t) {
            outcome = "unexpected at request: " + t;
        } finally {
            holders.remove(pid, caller);
        }
        try {
            if (discard) {
                lease.discard();
            } else {
                lease.close();
            }
        } catch (Throwable t) {
            return "unexpected at " + (discard ? "discard" : "checkin") + " after '" + outcome + "': " + t;
        }
        return outcome;
    }

    @Test
    void workersReplacedAfterEveryLeaseAreAllStoppedAtClose() {
        // We test this with max_uses 1, so every lease retires its worker: twenty leases later, every
        // process the pool ever started must be gone once it is closed.
        Set<Long> seen;
        try (RunningPool p = RunningPool.start(cats("churn", 2, 0).withMaxUses(1))) {
            for (int i = 0; i < 20; i++) {
                try (Lease lease = p.checkout()) {
                    assertThat(lease.uses()).isEqualTo(1);
                }
            }
            p.awaitCounts(ready(2, 0, 0));
            p.awaitSettled();
            seen = p.seenPids();
            assertThat(seen).as("each lease had a fresh worker").hasSizeGreaterThanOrEqualTo(20);
        }
        assertThat(Pids.alive(seen)).isEmpty();
    }
}
