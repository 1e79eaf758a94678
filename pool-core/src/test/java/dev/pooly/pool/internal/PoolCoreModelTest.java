package dev.pooly.pool.internal;

import dev.pooly.pool.LeaseRevokedException;
import dev.pooly.pool.LeaseRevokedException.Reason;
import dev.pooly.pool.OnAbandon;
import dev.pooly.pool.PoolClosedException;
import dev.pooly.pool.PoolStatus;
import dev.pooly.pool.PoolStrategy;
import dev.pooly.pool.PoolTimeoutException;
import dev.pooly.supervisor.ExitStatus;
import dev.pooly.supervisor.Intensity;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link PoolCore} against an exact model, with in-JVM workers and a manual clock, so it runs
 * thousands of tries: checkouts (immediate, timed out, refused when full) from several threads,
 * leases handed between threads, requests left unanswered, output nobody read, checkin, discard,
 * abandon, threads that end holding leases, max_uses, overflow_ttl, lease_timeout, request
 * deadlines, worker deaths and pool restarts. After every step: no worker is lent twice, every
 * lease's state (active or its end reason) is the model's, each lease's worker is the one the model
 * predicts, and poolboy's counts hold (idle + busy + starting = workers, overflow <= max_overflow).
 *
 * <p>Tries: {@code jqwik.tries.default} (src/test/resources/junit-platform.properties, 200); run
 * longer with {@code -Djqwik.tries.default=5000}.
 */
class PoolCoreModelTest {

    private final List<Sut> started = new ArrayList<>();

    @AfterTry
    void stop() {
        started.forEach(Sut::stop);
        started.clear();
    }

    @Property(shrinking = ShrinkingMode.BOUNDED, maxDiscardRatio = 20)
    void poolCoreFollowsItsModel(@ForAll("chains") ActionChain<Sut> chain) {
        chain.withInvariant("pool core matches its model", Sut::check).run();
    }

    @Provide
    Arbitrary<ActionChain<Sut>> chains() {
        Arbitrary<Integer> size = Arbitraries.integers().between(0, 3);
        Arbitrary<Integer> maxOverflow = Arbitraries.integers().between(0, 2);
        Arbitrary<Integer> maxUses = Arbitraries.of(0, 0, 2, 3);
        Arbitrary<Integer> leaseTimeoutMs = Arbitraries.of(0, 0, 300);
        Arbitrary<Integer> ttlMs = Arbitraries.of(0, 200);
        Arbitrary<PoolStrategy> strategy = Arbitraries.of(PoolStrategy.class);
        Arbitrary<OnAbandon> onAbandon = Arbitraries.of(OnAbandon.class);
        return Combinators.combine(size, maxOverflow, maxUses, leaseTimeoutMs, ttlMs, strategy, onAbandon)
                .flatAs((sz, o, u, lt, ttl, st, oa) -> ActionChain
                        .startWith(() -> start(new Config(sz, o, u, Duration.ofMillis(lt), Duration.ofMillis(ttl), st, oa)))
                        .withAction(5, actor("checkout", Sut::checkout))
                        .withAction(2, actor("tryCheckout", Sut::tryCheckout))
                        .withAction(4, leaseOnActor("use", Sut::use))
                        .withAction(2, leaseOnActor("write without reading", Sut::writeWithoutReading))
                        .withAction(2, leaseOnActor("read the answer", Sut::readAnswer))
                        .withAction(1, leaseOnActor("request that hangs", Sut::hangingRequest))
                        .withAction(1, lease("worker writes unasked", Sut::chatter))
                        .withAction(4, leaseOnActor("checkin", Sut::checkin))
                        .withAction(1, leaseOnActor("discard", Sut::discard))
                        .withAction(1, leaseOnActor("abandon", Sut::abandon))
                        .withAction(1, actor("thread ends", Sut::endActor))
                        .withAction(1, index("kill a worker", Sut::killWorker))
                        .withAction(1, index("idle worker writes unasked", Sut::idleChatter))
                        .withAction(2, Action.just("time passes", Transformer.mutate("time passes", s -> s.advance(Duration.ofMillis(150)))))
                        .withAction(1, Action.just("restart the pool", Transformer.mutate("restart the pool", Sut::restart)))
                        .withMaxTransformations(30));
    }

    private static final int ACTORS = 3;

    private static Action.Independent<Sut> actor(String what, BiConsumer<Sut, Integer> step) {
        return new Action.Independent<>() {
            @Override public Arbitrary<Transformer<Sut>> transformer() {
                return Arbitraries.integers().between(0, ACTORS - 1).map(a -> Transformer.mutate(what + " on thread " + a, s -> step.accept(s, a)));
            }
        };
    }

    private static Action.Independent<Sut> index(String what, BiConsumer<Sut, Integer> step) {
        return new Action.Independent<>() {
            @Override public Arbitrary<Transformer<Sut>> transformer() {
                return Arbitraries.integers().between(0, 7).map(i -> Transformer.mutate(what + " #" + i, s -> step.accept(s, i)));
            }
        };
    }

    private static Action.Independent<Sut> lease(String what, BiConsumer<Sut, Integer> step) {
        return new Action.Independent<>() {
            @Override public boolean precondition(Sut s) { return !s.leases.isEmpty(); }

            @Override public Arbitrary<Transformer<Sut>> transformer() {
                return Arbitraries.integers().between(0, 15).map(i -> Transformer.mutate(what + " lease #" + i,
                        s -> step.accept(s, i % s.leases.size())));
            }
        };
    }

    /** A step on one lease from one thread: leases move between threads whenever the thread differs. */
    private interface LeaseStep {
        void apply(Sut s, int lease, int actor);
    }

    private static Action.Independent<Sut> leaseOnActor(String what, LeaseStep step) {
        return new Action.Independent<>() {
            @Override public boolean precondition(Sut s) { return !s.leases.isEmpty(); }

            @Override public Arbitrary<Transformer<Sut>> transformer() {
                return Combinators.combine(Arbitraries.integers().between(0, 15), Arbitraries.integers().between(0, ACTORS - 1))
                        .as((i, a) -> Transformer.mutate(what + " lease #" + i + " on thread " + a,
                                s -> step.apply(s, i % s.leases.size(), a)));
            }
        };
    }

    private Sut start(Config config) {
        Sut sut = new Sut(config);
        started.add(sut);
        return sut;
    }

    record Config(int size, int maxOverflow, int maxUses, Duration leaseTimeout, Duration overflowTtl,
                  PoolStrategy strategy, OnAbandon onAbandon) {
        PoolCore.Settings settings() {
            return new PoolCore.Settings("model", "in-jvm", size, maxOverflow, strategy, overflowTtl, maxUses, leaseTimeout,
                    onAbandon, Intensity.of(1_000_000, Duration.ofSeconds(1)));
        }
    }

    // ---- the system: in-JVM workers, a manual clock, threads ---------------------------------------

    /** An in-JVM worker: a pid, whether it runs, and how much output nobody read. */
    static final class Fake {
        final long pid;
        volatile boolean alive = true;
        volatile int unread;
        final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();

        Fake(long pid) { this.pid = pid; }

        void die(ExitStatus status) {
            alive = false;
            exit.complete(status);
        }

        @Override public String toString() { return "fake " + pid; }
    }

    /** Starts are synchronous (ready at once), stops and kills exit at once: the model needs no waiting. */
    static final class FakeSource implements WorkerSource<Fake> {
        long nextPid;
        final Map<Long, Fake> all = new HashMap<>();

        @Override public synchronized CompletableFuture<Fake> start() {
            Fake f = new Fake(++nextPid);
            all.put(f.pid, f);
            return CompletableFuture.completedFuture(f);
        }

        @Override public CompletableFuture<ExitStatus> exit(Fake worker) { return worker.exit; }

        @Override public long pid(Fake worker) { return worker.pid; }

        @Override public boolean alive(Fake worker) { return worker.alive; }

        @Override public void dismiss(Fake worker) { worker.die(new ExitStatus.Shutdown()); }

        @Override public void kill(Fake worker) { worker.die(new ExitStatus.Signaled(9)); }

        @Override public String unread(Fake worker) {
            int n = worker.unread;
            return n == 0 ? null : n + " line(s) unread";
        }
    }

    /** Time moves only in {@link #advance}; due tasks run in deadline order, ties in the order they were set. */
    static final class ManualClock implements PoolClock {
        private record Task(long at, long seq, Runnable run, boolean[] cancelled) {}

        private long now = 1_000_000_000L;
        private long seq;
        private final PriorityQueue<Task> due = new PriorityQueue<>(Comparator.comparingLong(Task::at).thenComparingLong(Task::seq));
        private final List<Runnable> periodic = new ArrayList<>();

        @Override public synchronized long nanoTime() { return now; }

        @Override public synchronized Scheduled after(Duration delay, Runnable task) {
            boolean[] cancelled = {false};
            due.add(new Task(now + delay.toNanos(), seq++, task, cancelled));
            return () -> {
                synchronized (ManualClock.this) {
                    cancelled[0] = true;
                }
            };
        }

        @Override public synchronized Scheduled every(Duration period, Runnable task) {
            periodic.add(task);
            return () -> {
                synchronized (ManualClock.this) {
                    periodic.remove(task);
                }
            };
        }

        /** Runs one-shot tasks due by {@code now + d} one at a time (outside this clock's lock), then the periodic ones once. */
        void advance(Duration d) {
            long until;
            synchronized (this) {
                until = now + d.toNanos();
            }
            while (true) {
                Task next;
                synchronized (this) {
                    next = due.peek();
                    if (next == null || next.at() > until) break;
                    due.poll();
                    now = Math.max(now, next.at());
                    if (next.cancelled()[0]) continue;
                }
                next.run().run();
            }
            List<Runnable> every;
            synchronized (this) {
                now = until;
                every = List.copyOf(periodic);
            }
            every.forEach(Runnable::run);
        }
    }

    /** A thread that runs what it is given, one step at a time; ending it is an owner death. */
    static final class Actor {
        final int slot;
        final int generation;
        final ExecutorService executor;
        final Thread thread;

        Actor(int slot, int generation) {
            this.slot = slot;
            this.generation = generation;
            CompletableFuture<Thread> made = new CompletableFuture<>();
            this.executor = Executors.newSingleThreadExecutor(r -> {
                Thread t = Thread.ofPlatform().name("actor-" + slot + "." + generation).daemon().unstarted(r);
                made.complete(t);
                return t;
            });
            executor.submit(() -> {}); // starts the thread
            this.thread = made.join();
        }

        <T> T run(Callable<T> step) {
            try {
                return executor.submit(step).get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                if (e.getCause() instanceof Error err) throw err;
                throw new AssertionError(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            } catch (TimeoutException e) {
                throw new AssertionError("thread " + thread.getName() + " is stuck", e);
            }
        }

        void runQuietly(Runnable step) {
            run(() -> {
                step.run();
                return null;
            });
        }

        void end() {
            executor.shutdown();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            assertThat(thread.isAlive()).as("%s ended", thread.getName()).isFalse();
        }

        String key() { return slot + "." + generation; }
    }

    // ---- the model ---------------------------------------------------------------------------------

    static final class ModelWorker {
        final long pid;
        int uses;
        boolean chatty;
        long ttlSeq;

        ModelWorker(long pid) { this.pid = pid; }
    }

    static final class ModelLease {
        final int id;
        final Grant<Fake> grant;
        final ModelWorker worker;
        final int incarnation;
        final Set<String> users = new HashSet<>();
        Reason ended;
        int unanswered;
        boolean hanging;
        long requestDeadline;
        boolean timerLive;

        ModelLease(int id, Grant<Fake> grant, ModelWorker worker, int incarnation, String owner) {
            this.id = id;
            this.grant = grant;
            this.worker = worker;
            this.incarnation = incarnation;
            users.add(owner);
        }

        @Override public String toString() {
            return "lease " + id + " on " + worker.pid + " (" + (ended == null ? "active" : ended.label()) + ")";
        }
    }

    /** A model timer, mirroring the real ones' order: deadline, then the order they were set. */
    private record Timer(long at, long seq, Runnable fire) {}

    /** The system under test and its model. Driven by jqwik's thread; lease steps run on actors. */
    static final class Sut {
        final Config config;
        final FakeSource source = new FakeSource();
        final ManualClock clock = new ManualClock();
        final Actor[] actors = new Actor[ACTORS];
        final Set<String> deadActors = new HashSet<>();
        PoolCore<Fake> core;
        int incarnation;
        // model
        long now = 1_000_000_000L;
        long timerSeq;
        long nextPid;
        long ttlSeq;
        int overflow;
        final Deque<ModelWorker> idle = new ArrayDeque<>();
        final Map<Long, ModelWorker> busy = new LinkedHashMap<>();
        final List<ModelLease> leases = new ArrayList<>();
        final PriorityQueue<Timer> timers = new PriorityQueue<>(Comparator.comparingLong(Timer::at).thenComparingLong(Timer::seq));

        Sut(Config config) {
            this.config = config;
            for (int i = 0; i < ACTORS; i++) actors[i] = new Actor(i, 0);
            open();
        }

        private void open() {
            core = new PoolCore<>(config.settings(), source, reason -> {}, clock);
            incarnation++;
            overflow = 0;
            idle.clear();
            busy.clear();
            core.fill();
            for (int i = 0; i < config.size(); i++) release(spawnModel());
        }

        void stop() {
            core.close(new PoolClosedException("test over"));
            for (Actor a : actors) a.executor.shutdownNow();
        }

        // ---- model transitions, mirroring poolboy as PoolCore implements it

        private ModelWorker spawnModel() {
            return new ModelWorker(++nextPid);
        }

        private void schedule(long delayNanos, Runnable fire) {
            timers.add(new Timer(now + delayNanos, timerSeq++, fire));
        }

        /** poolboy's checkin of a worker nobody waits for. */
        private void release(ModelWorker w) {
            if (overflow > 0) {
                if (config.overflowTtl().isZero()) {
                    overflow--;
                    return; // dismissed
                }
                long seq = w.ttlSeq = ++ttlSeq;
                int inc = incarnation;
                schedule(config.overflowTtl().toNanos(), () -> {
                    if (inc == incarnation && idle.contains(w) && w.ttlSeq == seq && overflow > 0) {
                        idle.remove(w);
                        overflow--;
                    }
                });
            }
            idle.addFirst(w);
        }

        private void replace() {
            if (overflow == 0) release(spawnModel());
            else overflow--;
        }

        private ModelLease lendModel(ModelWorker w, Grant<Fake> grant, String owner) {
            w.uses++;
            busy.put(w.pid, w);
            ModelLease lease = new ModelLease(leases.size(), grant, w, incarnation, owner);
            leases.add(lease);
            if (!config.leaseTimeout().isZero()) {
                lease.timerLive = true;
                schedule(config.leaseTimeout().toNanos(), () -> {
                    if (lease.ended == null && lease.timerLive) {
                        lease.ended = Reason.LEASE_TIMEOUT;
                        takeBack(lease);
                    }
                });
            }
            return lease;
        }

        /** The worker of an ended lease leaves and is replaced. */
        private void takeBack(ModelLease lease) {
            lease.timerLive = false;
            busy.remove(lease.worker.pid);
            replace();
        }

        private void giveBack(ModelLease lease) {
            lease.timerLive = false;
            ModelWorker w = lease.worker;
            if (lease.hanging || lease.unanswered > 0 || w.chatty) {
                takeBack(lease);
                return;
            }
            busy.remove(w.pid);
            if (config.maxUses() > 0 && w.uses >= config.maxUses()) replace();
            else release(w);
        }

        /** What a checkout gets: a lease on a worker, or null when the pool is full. Chatty idle workers are replaced on the way. */
        private ModelWorker predictCheckout() {
            while (!idle.isEmpty()) {
                ModelWorker w = config.strategy() == PoolStrategy.LIFO ? idle.removeFirst() : idle.removeLast();
                if (!w.chatty) return w;
                w.uses++; // it was lent, then taken back before anyone saw it
                replace();
            }
            if (overflow < config.maxOverflow()) {
                overflow++;
                return spawnModel();
            }
            return null;
        }

        // ---- actions

        void checkout(int a) {
            doCheckout(a, true);
        }

        void tryCheckout(int a) {
            doCheckout(a, false);
        }

        private void doCheckout(int a, boolean block) {
            Actor actor = actors[a];
            ModelWorker expected = predictCheckout();
            if (expected == null) {
                if (block) {
                    assertThatThrownBy(() -> actor.run(() -> core.checkout(Duration.ofMillis(1), true)))
                            .as("checkout on a full pool").isInstanceOf(PoolTimeoutException.class);
                } else {
                    assertThat(actor.run(() -> core.checkout(Duration.ZERO, false))).as("tryCheckout on a full pool").isNull();
                }
                return;
            }
            Grant<Fake> grant = actor.run(() -> core.checkout(Duration.ofMillis(1), block));
            assertThat(grant).as("checkout with a worker to lend").isNotNull();
            assertThat(grant.worker().pid()).as("worker lent").isEqualTo(expected.pid);
            lendModel(expected, grant, actor.key());
        }

        private boolean opOn(ModelLease lease, Actor actor, Runnable op) {
            if (lease.ended != null) {
                Throwable thrown = catchOn(actor, op);
                assertThat(thrown).as("operation on %s", lease).isInstanceOf(LeaseRevokedException.class);
                assertThat(((LeaseRevokedException) thrown).reason()).as("reason given to the holder of %s", lease).isEqualTo(lease.ended);
                return false;
            }
            actor.runQuietly(op);
            lease.users.add(actor.key());
            return true;
        }

        private static Throwable catchOn(Actor actor, Runnable op) {
            try {
                actor.runQuietly(op);
                return null;
            } catch (Throwable t) {
                return t;
            }
        }

        void use(int i, int a) {
            ModelLease lease = leases.get(i);
            opOn(lease, actors[a], () -> {
                lease.grant.enter();
                lease.grant.exit();
            });
        }

        void writeWithoutReading(int i, int a) {
            ModelLease lease = leases.get(i);
            if (opOn(lease, actors[a], () -> {
                lease.grant.enter();
                lease.grant.expect(1);
                lease.grant.exit();
            })) lease.unanswered++;
        }

        void readAnswer(int i, int a) {
            ModelLease lease = leases.get(i);
            if (opOn(lease, actors[a], () -> {
                lease.grant.enter();
                lease.grant.answered();
                lease.grant.exit();
            })) lease.unanswered = Math.max(0, lease.unanswered - 1);
        }

        /** A request whose read blocks: the operation stays in progress, with a 100 ms deadline. */
        void hangingRequest(int i, int a) {
            ModelLease lease = leases.get(i);
            if (lease.hanging) return;
            if (opOn(lease, actors[a], () -> {
                lease.grant.enter();
                lease.grant.expect(1);
                lease.grant.pool().requestStarted(lease.grant, Duration.ofMillis(100));
            })) {
                lease.hanging = true;
                lease.unanswered++;
                lease.requestDeadline = now + Duration.ofMillis(100).toNanos();
            }
        }

        void chatter(int i) {
            ModelLease lease = leases.get(i);
            Fake f = source.all.get(lease.worker.pid);
            if (!f.alive) return;
            f.unread++;
            lease.worker.chatty = true;
        }

        void idleChatter(int i) {
            if (idle.isEmpty()) return;
            ModelWorker w = new ArrayList<>(idle).get(i % idle.size());
            source.all.get(w.pid).unread++;
            w.chatty = true;
        }

        void checkin(int i, int a) {
            ModelLease lease = leases.get(i);
            Actor actor = actors[a];
            if (lease.ended == Reason.CHECKED_IN) {
                assertThatThrownBy(() -> actor.runQuietly(() -> lease.grant.pool().checkin(lease.grant)))
                        .as("second checkin of %s", lease).isInstanceOf(IllegalStateException.class);
                return;
            }
            actor.runQuietly(() -> lease.grant.pool().checkin(lease.grant));
            if (lease.ended != null) return;
            lease.ended = Reason.CHECKED_IN;
            if (lease.incarnation == incarnation) giveBack(lease);
        }

        void discard(int i, int a) {
            ModelLease lease = leases.get(i);
            Actor actor = actors[a];
            if (lease.ended == Reason.CHECKED_IN || lease.ended == Reason.DISCARDED) {
                assertThatThrownBy(() -> actor.runQuietly(() -> lease.grant.pool().discard(lease.grant)))
                        .as("discard of ended %s", lease).isInstanceOf(IllegalStateException.class);
                return;
            }
            actor.runQuietly(() -> lease.grant.pool().discard(lease.grant));
            if (lease.ended != null) return;
            lease.ended = Reason.DISCARDED;
            takeBack(lease);
        }

        void abandon(int i, int a) {
            ModelLease lease = leases.get(i);
            actors[a].runQuietly(() -> lease.grant.pool().abandon(lease.grant));
            if (lease.ended != null) return;
            abandoned(lease);
        }

        private void abandoned(ModelLease lease) {
            lease.ended = Reason.ABANDONED;
            if (config.onAbandon() == OnAbandon.RETURN) giveBack(lease);
            else takeBack(lease);
        }

        void endActor(int a) {
            actors[a].end();
            deadActors.add(actors[a].key());
            actors[a] = new Actor(a, actors[a].generation + 1);
            // The pool notices at its next sweep ("time passes").
        }

        void killWorker(int i) {
            List<Long> pids = new ArrayList<>();
            idle.forEach(w -> pids.add(w.pid));
            pids.addAll(busy.keySet());
            if (pids.isEmpty()) return;
            long victim = pids.get(i % pids.size());
            ModelWorker w = busy.get(victim);
            if (w != null) {
                ModelLease lease = leases.stream().filter(l -> l.worker == w && l.ended == null).findFirst().orElseThrow();
                lease.ended = Reason.WORKER_DIED;
                takeBack(lease);
            } else {
                idle.removeIf(x -> x.pid == victim);
                replace();
            }
            source.all.get(victim).die(new ExitStatus.Signaled(9));
        }

        void advance(Duration d) {
            long until = now + d.toNanos();
            while (!timers.isEmpty() && timers.peek().at() <= until) {
                Timer t = timers.poll();
                now = Math.max(now, t.at());
                t.fire().run();
            }
            now = until;
            // The sweep, in lending order: request deadlines first per lease, then holders gone.
            for (ModelLease lease : leases) {
                if (lease.ended != null || lease.incarnation != incarnation) continue;
                if (lease.hanging && now - lease.requestDeadline > 0) {
                    lease.ended = Reason.REQUEST_TIMEOUT;
                    takeBack(lease);
                } else if (deadActors.containsAll(lease.users)) {
                    abandoned(lease);
                }
            }
            clock.advance(d);
        }

        void restart() {
            core.close(new PoolClosedException("pool model restarted"));
            for (ModelLease lease : leases) {
                if (lease.ended == null) {
                    lease.ended = Reason.POOL_CLOSED;
                    lease.timerLive = false;
                }
            }
            open();
        }

        /** After every step: the real books and leases are the model's. */
        void check() {
            int[] books = core.books(); // idle, busy, overflow, starting, dying, missing, waiting
            assertThat(books[0]).as("idle").isEqualTo(idle.size());
            assertThat(books[1]).as("busy").isEqualTo(busy.size());
            assertThat(books[2]).as("overflow").isEqualTo(overflow).isBetween(0, config.maxOverflow());
            assertThat(books[3]).as("starting").isZero();
            assertThat(books[4]).as("dying").isZero();
            assertThat(books[6]).as("waiting").isZero();
            assertThat(books[7]).as("slots taken (POOLY_WORKER_INDEX)").isEqualTo(idle.size() + busy.size());
            PoolStatus status = core.status();
            assertThat(status.workers()).as("workers of %s", status).hasSize(status.idle() + status.busy() + status.starting());
            assertThat(status.size() + status.overflow()).as("size + overflow = workers").isEqualTo(status.workers().size());
            assertThat(status.workers()).extracting(PoolStatus.Worker::index).as("worker slots of %s", status)
                    .doesNotHaveDuplicates().allSatisfy(i -> assertThat(i).isBetween(0, status.size() + status.maxOverflow() - 1));
            Map<Long, PoolStatus.Worker> byPid = new HashMap<>();
            status.workers().forEach(w -> byPid.put(w.pid(), w));
            for (ModelWorker w : idle) {
                assertThat(byPid.get(w.pid)).as("idle worker %d", w.pid).isNotNull()
                        .satisfies(s -> assertThat(s.state()).isEqualTo(PoolStatus.WorkerState.IDLE))
                        .satisfies(s -> assertThat(s.uses()).as("uses of %d", w.pid).isEqualTo(w.uses));
            }
            Set<Long> lent = new HashSet<>();
            for (ModelLease lease : leases) {
                assertThat(lease.grant.endReason()).as("state of %s", lease).isEqualTo(lease.ended);
                if (lease.ended != null) continue;
                assertThat(lent.add(lease.worker.pid)).as("worker %d lent twice", lease.worker.pid).isTrue();
                assertThat(lease.grant.worker().state()).as("worker of %s", lease).isEqualTo(WorkerState.BUSY);
                assertThat(lease.grant.worker().lease).as("lease of worker %d", lease.worker.pid).isSameAs(lease.grant);
                assertThat(byPid.get(lease.worker.pid)).as("busy worker %d", lease.worker.pid).isNotNull()
                        .satisfies(s -> assertThat(s.state()).isEqualTo(PoolStatus.WorkerState.BUSY));
                assertThat(source.all.get(lease.worker.pid).alive).as("worker of %s alive", lease).isTrue();
            }
            assertThat(lent).as("busy workers").isEqualTo(busy.keySet());
        }

        @Override public String toString() {
            return config + ", idle=" + idle.stream().map(w -> w.pid).toList() + ", busy=" + busy.keySet() + ", overflow=" + overflow;
        }
    }
}
