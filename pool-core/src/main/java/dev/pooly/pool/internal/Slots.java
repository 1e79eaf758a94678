package dev.pooly.pool.internal;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * The pool's worker slots ({@code POOLY_WORKER_INDEX}): a slot is held by a worker from its start
 * until it leaves, or handed to its replacement, and a new worker takes the lowest free one, so
 * indexes stay dense ({@code 0 .. size + max_overflow - 1}, one more during a rolling replacement).
 * Per slot it also keeps the backoff's streak of short runs, so one slot whose worker keeps failing
 * (say, its port is taken) backs off without slowing the others.
 *
 * <p>Not thread-safe: guarded by the pool lock. O(1) but for the lowest-free-slot scan, which is
 * O(slots / 64).
 */
final class Slots {
    /** Slots held by a worker that is starting, idle, busy or dying. */
    private final BitSet taken = new BitSet();
    /** Per slot: its workers in a row that crashed within the backoff's min_uptime (absent: none). */
    private final Map<Integer, Integer> shortRuns = new HashMap<>();

    /** The lowest free slot, now taken. */
    int take() {
        int slot = taken.nextClearBit(0);
        taken.set(slot);
        return slot;
    }

    /** {@code slot} is free again (its worker left and nobody took it over). */
    void free(int slot) {
        taken.clear(slot);
    }

    /** How many slots are taken (for the books). */
    int taken() {
        return taken.cardinality();
    }

    /** The short runs in a row of {@code slot}'s workers. */
    int shortRuns(int slot) {
        return shortRuns.getOrDefault(slot, 0);
    }

    /** Records {@code slot}'s streak of short runs; 0 forgets it. */
    void shortRuns(int slot, int streak) {
        if (streak == 0) shortRuns.remove(slot); else shortRuns.put(slot, streak);
    }
}
