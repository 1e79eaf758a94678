package dev.pooly.pool;

import dev.pooly.testing.Pids;

import dev.pooly.supervisor.Intensity;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static dev.pooly.pool.RunningPool.Counts.full;
import static dev.pooly.pool.RunningPool.await;
import static dev.pooly.pool.RunningPool.cats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The pool against a model, the way poolboy checks itself with QuickCheck ({@code poolboy_eqc.erl}):
 * random checkouts, checkins, discards, timeouts, worker kills and owner deaths drive one real pool
 * of {@code cat} workers, and after every step (once the pool has settled) it must look exactly like
 * the model says.
 *
 * <p>The model is poolboy's arithmetic over {@code h}, the leases held: at rest a pool of
 * {@code size} workers with {@code max_overflow} extra has {@code max(0, size - h)} idle workers,
 * {@code h} busy ones and {@code max(0, h - size)} overflow workers, and a checkout succeeds exactly
 * when {@code h < size + max_overflow}. Dead workers, owner deaths and discards never change that
 * arithmetic, only which processes play the parts. The pool runs under {@code line}, {@code until},
 * {@code packet 4} or {@code content_length} framing: a worker killed mid-request, a holder that
 * leaves a truncated frame or an uncounted raw request behind, and every request answered with its
 * own frame, whatever the framing.
 */
class PoolModelTest {

    private final List<PoolUnderTest> started = new ArrayList<>();

    @AfterTry
    void closePools() {
        try {
            started.forEach(PoolUnderTest::close);
        } finally {
            started.clear();
        }
    }

    @Property(tries = 40, shrinking = ShrinkingMode.BOUNDED, maxDiscardRatio = 10)
    void poolFollowsItsModel(@ForAll("pools") ActionChain<PoolUnderTest> chain) {
        chain.withInvariant("pool matches its model", PoolUnderTest::checkInvariants).run();
    }

    @Provide
    Arbitrary<ActionChain<PoolUnderTest>> pools() {
        return Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 2),
                        Arbitraries.of(PoolStrategy.class), Arbitraries.of(OnAbandon.class), Arbitraries.of(FRAMINGS))
                .flatAs((size, maxOverflow, strategy, onAbandon, framing) -> ActionChain
                        .startWith(() -> start(size, maxOverflow, strategy, onAbandon, framing))
                        .withAction(4, Action.just("checkout", Transformer.mutate("checkout", PoolUnderTest::checkout)))
                        .withAction(2, Action.just("tryCheckout", Transformer.mutate("tryCheckout", PoolUnderTest::tryCheckout)))
                        .withAction(3, indexed("checkin", PoolUnderTest::checkin))
                        .withAction(1, indexed("discard", PoolUnderTest::discard))
                        .withAction(2, indexed("request", PoolUnderTest::request))
                        .withAction(1, indexed("raw slow request, then abandoned", (s, i) -> s.rawThenLeave(i, true)))
                        .withAction(1, indexed("raw slow request, then checked in", (s, i) -> s.rawThenLeave(i, false)))
                        .withAction(1, indexed("kill busy worker", PoolUnderTest::killBusy))
                        .withAction(1, Action.<PoolUnderTest>builder().when(s -> s.idleCount() > 0)
                                .describeAs("kill idle worker").just(Transformer.mutate("kill idle worker", PoolUnderTest::killIdle)))
                        .withAction(1, Action.<PoolUnderTest>builder().when(s -> !s.full())
                                .describeAs("owner death").just(Transformer.mutate("owner death", PoolUnderTest::ownerDeath)))
                        .withMaxTransformations(12));
    }

    /** An action on one of the held leases; the lease is chosen when the step runs. */
    private static Action.Independent<PoolUnderTest> indexed(String what, java.util.function.ObjIntConsumer<PoolUnderTest> step) {
        return new Action.Independent<>() {
            @Override public boolean precondition(PoolUnderTest state) {
                return !state.held.isEmpty();
            }

            @Override public Arbitrary<Transformer<PoolUnderTest>> transformer() {
                return Arbitraries.integers().between(0, 5).map(i ->
                        Transformer.mutate(what + " #" + i, s -> step.accept(s, i % s.held.size())));
            }
        };
    }

    /**
     * The model's worker: {@code cat}, but slow (200 ms) to answer a line holding {@code slow}. A holder
     * that writes one raw and leaves before the answer leaves a worker quiet at that instant and still
     * computing: given to the next holder, its next {@link Lease#request} would get that answer.
     */
    private static final String WORKER = "while read -r l; do case \"$l\" in *slow*) sleep 0.2;; esac; echo \"$l\"; done";

    /**
     * The framings the model runs under. {@code line} and {@code until} pools run {@link #WORKER} (the
     * {@code until} one ends each answer with an {@code END} line); {@code packet} and
     * {@code content_length} pools run {@code cat}, which echoes each frame whole, header and all, so
     * the model's requests carry {@code \n} and {@code \0} in their payloads.
     */
    private static final List<Framing> FRAMINGS = List.of(Framing.line(), new Framing.Until("END"), new Framing.Packet(4),
            new Framing.ContentLength());

    private PoolUnderTest start(int size, int maxOverflow, PoolStrategy strategy, OnAbandon onAbandon, Framing framing) {
        net.jqwik.api.statistics.Statistics.label("framing").collect(framing.kind());
        PoolSpec base = switch (framing) {
            case Framing.Line l -> RunningPool.shells("model", size, maxOverflow, WORKER);
            case Framing.Until u -> RunningPool.shells("model", size, maxOverflow, WORKER.replace("echo \"$l\";", "echo \"$l\"; echo END;"));
            default -> RunningPool.cats("model", size, maxOverflow);
        };
        PoolSpec spec = base.withFraming(framing).withStrategy(strategy).withOnAbandon(onAbandon)
                // Kills are part of the model's weather, not a reason to restart the whole pool.
                .withIntensity(Intensity.of(1_000, Duration.ofSeconds(1)));
        PoolUnderTest pool = new PoolUnderTest(RunningPool.start(spec), size, maxOverflow, framing);
        started.add(pool);
        return pool;
    }

    @Property(tries = 8, shrinking = ShrinkingMode.OFF)
    void waitersAreServedInTheOrderTheyQueued(@ForAll @IntRange(min = 1, max = 2) int size,
                                              @ForAll @IntRange(min = 0, max = 1) int maxOverflow,
                                              @ForAll @IntRange(min = 1, max = 4) int waiters,
                                              @ForAll java.util.Random random) {
        // We test this by filling the pool, queueing waiters one at a time (each joins once the one
        // before it is counted), then checking leases in in a random order: every checkin must serve
        // exactly the next waiter in queue order, whether the worker returned is a regular or an
        // overflow one.
        try (RunningPool p = RunningPool.start(cats("fifo-model", size, maxOverflow))) {
            int capacity = size + maxOverflow;
            List<Object> holders = new ArrayList<>(p.checkout(capacity)); // leases of this thread, or served borrowers
            List<Borrower> queue = new ArrayList<>();
            for (int i = 0; i < waiters; i++) {
                queue.add(p.borrower("waiter-" + i, Duration.ofSeconds(20)));
                p.awaitCounts(full(capacity, maxOverflow, i + 1));
            }
            for (int next = 0; next < waiters; next++) {
                Object holder = holders.remove(random.nextInt(holders.size()));
                long returned;
                if (holder instanceof Lease lease) {
                    returned = lease.pid();
                    lease.close();
                } else {
                    Borrower borrower = (Borrower) holder;
                    returned = borrower.awaitLease().pid();
                    borrower.checkin();
                }
                Borrower served = queue.get(next);
                assertThat(served.awaitLease().pid()).as("the worker checked in goes to waiter %d", next)
                        .isEqualTo(returned);
                for (Borrower later : queue.subList(next + 1, waiters)) {
                    assertThat(later.served()).as("%s jumped the queue", later.thread().getName()).isFalse();
                }
                p.awaitCounts(full(capacity, maxOverflow, waiters - next - 1));
                holders.add(served);
            }
        }
    }

    /** One real pool and the model's view of it. Used by one thread (jqwik's). */
    static final class PoolUnderTest implements AutoCloseable {
        final RunningPool pool;
        final int size;
        final int maxOverflow;
        final Framing framing;
        final List<Lease> held = new ArrayList<>();
        private final Set<Long> everLeased = new HashSet<>();
        private int requests;

        PoolUnderTest(RunningPool pool, int size, int maxOverflow, Framing framing) {
            this.pool = pool;
            this.size = size;
            this.maxOverflow = maxOverflow;
            this.framing = framing;
        }

        /** Binary-safe framings (cat echoes the frame whole) get a payload no line protocol could carry. */
        private boolean binary() {
            return framing instanceof Framing.Packet || framing instanceof Framing.ContentLength;
        }

        boolean full() {
            return held.size() >= size + maxOverflow;
        }

        int idleCount() {
            return Math.max(0, size - held.size());
        }

        void checkout() {
            if (full()) {
                assertThatThrownBy(() -> pool.checkout(Duration.ofMillis(30))).as("checkout on a full pool")
                        .isInstanceOf(PoolTimeoutException.class);
            } else {
                took(pool.checkout(RunningPool.PATIENCE));
            }
        }

        void tryCheckout() {
            Optional<Lease> lease = pool.tryCheckout();
            if (full()) {
                assertThat(lease).as("tryCheckout on a full pool").isEmpty();
            } else {
                assertThat(lease).as("tryCheckout with %d of %d out", held.size(), size + maxOverflow).isPresent();
                took(lease.get());
            }
        }

        private void took(Lease lease) {
            assertThat(held).extracting(Lease::pid).as("worker lent twice").doesNotContain(lease.pid());
            held.add(lease);
            everLeased.add(lease.pid());
        }

        void checkin(int i) {
            held.remove(i).close();
        }

        void discard(int i) {
            Lease lease = held.remove(i);
            lease.discard();
            Pids.awaitDead(lease.pid());
        }

        void request(int i) {
            String line = "request-" + requests++;
            if (binary()) {
                String frame = line + "\n\0é";
                assertThat(held.get(i).requestText(frame, RunningPool.PATIENCE)).isEqualTo(frame);
            } else if (framing instanceof Framing.Until) {
                assertThat(held.get(i).requestText(line, RunningPool.PATIENCE)).isEqualTo(line);
            } else {
                assertThat(held.get(i).request(line, RunningPool.PATIENCE)).isEqualTo(line);
            }
        }

        /**
         * A byte-stream holder that writes a slow request through the raw stdin and leaves before its
         * answer (abandoning the lease, or checking it in): the pool cannot count that request, so the
         * worker must be replaced; the model's arithmetic is unchanged, and every later request answers
         * its own line (checked by {@link #request}).
         */
        void rawThenLeave(int i, boolean abandon) {
            Lease lease = held.remove(i);
            // On a binary framing, a truncated frame: a header announcing 100 bytes, then 5 of them.
            byte[] raw = binary() ? (framing instanceof Framing.Packet ? new byte[] {0, 0, 0, 100, 's', 'l', 'o', 'w', '-'}
                    : "Content-Length: 100\r\n\r\nslow-".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                    : ("slow-" + requests++ + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            try {
                lease.stdin().write(raw);
                lease.stdin().flush();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            if (abandon) lease.abandon();
            else lease.close();
            Pids.awaitDead(lease.pid());
        }

        void killBusy(int i) {
            Lease lease = held.remove(i);
            Pids.sigkill(lease.pid());
            Pids.awaitDead(lease.pid());
            assertThatThrownBy(() -> {
                if (framing instanceof Framing.Line) lease.request("dead?", RunningPool.PATIENCE);
                else lease.requestText("dead?", RunningPool.PATIENCE);
            }).isInstanceOf(WorkerDiedException.class);
            Throwable closing = catchThrowable(lease::close);
            assertThat(closing).as("closing the lease of a dead worker")
                    .satisfiesAnyOf(t -> assertThat(t).isNull(), t -> assertThat(t).isInstanceOf(IllegalStateException.class));
        }

        void killIdle() {
            List<Long> idle = pool.idlePids().stream().sorted().toList();
            assertThat(idle).as("idle workers of %s", pool.status()).hasSize(idleCount());
            long victim = idle.get(requests++ % idle.size());
            Pids.sigkill(victim);
            Pids.awaitDead(victim);
        }

        void ownerDeath() {
            AtomicReference<Object> outcome = new AtomicReference<>();
            Thread owner = Thread.ofVirtual().name("vanishing-owner").start(() -> {
                try {
                    outcome.set(pool.checkout(RunningPool.PATIENCE).pid());
                } catch (Throwable t) {
                    outcome.set(t);
                }
            });
            try {
                assertThat(owner.join(RunningPool.PATIENCE)).as("owner thread ended").isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            assertThat(outcome.get()).as("owner's checkout").isInstanceOf(Long.class);
            everLeased.add((Long) outcome.get());
        }

        /** Waits until the pool has settled into the model's shape; fails with the last difference. */
        void checkInvariants() {
            int h = held.size();
            RunningPool.Counts expected = new RunningPool.Counts(
                    PoolStatus.stateOf(Math.max(0, size - h), Math.max(0, h - size), maxOverflow),
                    Math.max(0, size - h), h, Math.max(0, h - size), 0);
            Set<Long> heldPids = held.stream().map(Lease::pid).collect(Collectors.toSet());
            await().untilAsserted(() -> {
                PoolStatus status = pool.status();
                assertThat(status.starting()).as("starting in %s", status).isZero();
                assertThat(RunningPool.Counts.of(status)).as("counters of %s", status).isEqualTo(expected);
                assertThat(status.overflow()).isLessThanOrEqualTo(maxOverflow);
                assertThat(heldPids).as("distinct pids among held leases").hasSize(h);
                List<Long> workerPids = status.workers().stream().map(PoolStatus.Worker::pid).toList();
                assertThat(workerPids).as("workers of %s", status).doesNotHaveDuplicates().hasSize(expected.idle() + h);
                assertThat(pool.pids(PoolStatus.WorkerState.BUSY)).as("busy workers").isEqualTo(heldPids);
                assertThat(Pids.alive(workerPids)).as("live workers").containsExactlyInAnyOrderElementsOf(workerPids);
            });
        }

        @Override
        public void close() {
            pool.close();
        }

        @Override
        public String toString() {
            return "pool(" + framing.kind() + ", size=" + size + ", max_overflow=" + maxOverflow + ", held=" + held.stream().map(Lease::pid).toList()
                    + ", ever leased=" + everLeased.size() + ")";
        }
    }
}
