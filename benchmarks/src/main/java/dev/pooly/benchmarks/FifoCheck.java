package dev.pooly.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Does a pool serve queued callers strictly first come, first served? We test this by holding both
 * resources of a pool of 2, queueing 8 callers one at a time (each parked before the next arrives),
 * and letting a ninth thread probe with non-blocking checkouts the whole time. Then one resource is
 * checked in; each caller holds it ~50 us and checks it in. Strict FIFO means the
 * callers are served in arrival order (no inversions) and the prober never gets a resource while
 * someone queues (no barging). Only one of the two resources circulates among the callers (the
 * other is checked in after the last caller), so the order in which callers record themselves is
 * exactly the order in which the pool served them.
 *
 * <p>Prints {@code POOL.inversions}, {@code POOL.barges} and {@code POOL.handoffs} per pool.
 * Run: {@code java -cp benchmarks/target/benchmarks.jar dev.pooly.benchmarks.FifoCheck [rounds]}.
 */
public final class FifoCheck {
    private static final int SIZE = 2, CALLERS = 8;

    private FifoCheck() {}

    public record Verdict(String pool, int handoffs, int inversions, int barges) {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        for (String pool : List.of(Bookkeeper.POOLY, Bookkeeper.STORMPOT, Bookkeeper.COMMONS_FAIR, Bookkeeper.COMMONS_UNFAIR)) {
            Verdict v = check(pool, rounds);
            System.out.printf(Locale.ROOT, "%s.handoffs=%d%n%s.inversions=%d%n%s.barges=%d%n",
                    pool, v.handoffs, pool, v.inversions, pool, v.barges);
        }
    }

    static Verdict check(String poolName, int rounds) throws Exception {
        Bookkeeper pool = Bookkeeper.of(poolName, SIZE);
        int inversions = 0, barges = 0;
        try {
            for (int round = 0; round < rounds; round++) {
                List<Object> held = new ArrayList<>();
                for (int i = 0; i < SIZE; i++) held.add(pool.checkout());

                List<Integer> served = Collections.synchronizedList(new ArrayList<>());
                List<Thread> callers = new ArrayList<>();
                for (int i = 0; i < CALLERS; i++) {
                    int arrival = i;
                    Thread caller = Thread.ofPlatform().name("fifo-caller-" + i).start(() -> {
                        try {
                            Object r = pool.checkout();
                            served.add(arrival);
                            long until = System.nanoTime() + 50_000;
                            while (System.nanoTime() < until) Thread.onSpinWait();
                            pool.checkin(r);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    callers.add(caller);
                    awaitParked(caller);
                }

                AtomicBoolean probing = new AtomicBoolean(true);
                AtomicInteger barged = new AtomicInteger();
                Thread prober = Thread.ofPlatform().name("fifo-prober").start(() -> {
                    try {
                        while (probing.get()) {
                            Object r = pool.tryCheckout();
                            if (r != null) {
                                if (served.size() < CALLERS) barged.incrementAndGet();
                                pool.checkin(r);
                            }
                            Thread.onSpinWait();
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });

                pool.checkin(held.get(0));
                for (Thread caller : callers) caller.join(30_000);
                probing.set(false);
                prober.join(30_000);
                pool.checkin(held.get(1));

                barges += barged.get();
                List<Integer> order = List.copyOf(served);
                if (order.size() != CALLERS) throw new IllegalStateException(poolName + ": only " + order.size() + " of " + CALLERS + " callers served");
                for (int i = 0; i < order.size(); i++) {
                    for (int j = i + 1; j < order.size(); j++) if (order.get(i) > order.get(j)) inversions++;
                }
            }
        } finally {
            pool.close();
        }
        return new Verdict(poolName, rounds * CALLERS, inversions, barges);
    }

    /** Waits until {@code t} is parked inside the pool (its checkout is queued). */
    private static void awaitParked(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            Thread.State s = t.getState();
            if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING) return;
            if (s == Thread.State.TERMINATED) throw new IllegalStateException(t.getName() + " ended without queueing");
            if (System.nanoTime() - deadline > 0) throw new IllegalStateException(t.getName() + " never queued (state " + s + ")");
            Thread.sleep(0, 100_000);
        }
    }
}
