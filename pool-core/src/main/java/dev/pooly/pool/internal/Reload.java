package dev.pooly.pool.internal;

import dev.pooly.supervisor.RestartWindow;

/**
 * A reload applied in place ({@link #reconfigure}): the pool resized, and, when the worker settings
 * changed, its workers rolled one at a time onto the new ones. The roll's own state is here:
 * {@code ROLLING} while an old-generation worker remains, with at most one step in flight, either
 * {@code surging} (one extra worker with the new settings is starting) or {@code retiring} (that
 * worker is ready and an old busy one leaves at its checkin). The books it changes ({@code surge},
 * {@code pendingShrink}, {@code overflow}, {@code starting}, {@code missing}) are {@link PoolCore}'s,
 * changed under its lock and counted in its invariant.
 *
 * <p>Guarded by the pool lock, but {@link #generation}, which a start reads without it.
 */
final class Reload<W> {
    private final PoolCore<W> core;
    // ---- guarded by the pool lock
    boolean rolling;
    boolean surging;
    /** The old busy worker that leaves at its checkin, its replacement being ready already. */
    Worker<W> retiring;
    /** Generation of the worker settings; bumped by a reload that changes them. Read by spawn() without the lock. */
    volatile long generation;

    Reload(PoolCore<W> core) {
        this.core = core;
    }

    /**
     * Applies new settings in place. Size and overflow: growing starts the missing workers (overflow
     * workers already running count towards the new size first); shrinking dismisses idle workers at
     * once and busy ones as they come back (never a lease cut short). Strategy, timeouts, max_uses and
     * on_abandon apply to the next checkout/checkin; a changed intensity starts a fresh window.
     *
     * <p>With {@code newWorkers} (the worker settings changed, and the source starts workers with the
     * new ones from now on) the workers are rolled: one extra worker with the new settings starts; once
     * it is ready (lent or idle), one old worker leaves (an idle one at once, else a busy one at its
     * checkin); then the next. So capacity never drops below {@code size} and no caller sees an error.
     */
    void reconfigure(PoolCore.Settings next, boolean newWorkers) {
        Effects<W> fx = new Effects<>(core);
        // A resize races checkouts, checkins and exits: the counts are read and changed in one step.
        core.lock.lock();
        try {
            if (core.closed) return;
            PoolCore.Settings was = core.settings;
            core.settings = next;
            if (!next.intensity().equals(was.intensity())) core.crashes = new RestartWindow(next.intensity());
            core.health.rearm(was, next);
            core.memory.rearm(was, next);
            int base = core.idle.size() + core.busy + core.starting + core.dying + core.missing - core.overflow - core.surge;
            if (next.size() > base) {
                int grow = next.size() - base;
                int fromShrink = Math.min(core.pendingShrink, grow); // surplus not yet gone is simply kept
                core.pendingShrink -= fromShrink;
                core.overflow -= fromShrink;
                grow -= fromShrink;
                int adopt = Math.min(core.overflow, grow); // running overflow workers become base workers
                core.overflow -= adopt;
                grow -= adopt;
                core.starting += grow;
                for (int i = 0; i < grow; i++) fx.spawn(core.slots.take());
            } else if (next.size() < base) {
                int excess = base - next.size();
                int notRetried = Math.min(core.missing, excess); // failed starts not to retry any more
                core.missing -= notRetried;
                excess -= notRetried;
                core.overflow += excess;
                core.pendingShrink += excess;
                Worker<W> w;
                while (core.pendingShrink > 0 && (w = core.idle.removeLast()) != null) {
                    core.pendingShrink--;
                    core.overflow--;
                    core.dismiss(w, fx); // scaled down
                }
            }
            // Idle overflow workers beyond a lowered max_overflow leave now, too.
            Worker<W> w;
            while (core.overflow - core.pendingShrink > next.maxOverflow() && (w = core.idle.removeLast()) != null) {
                core.overflow--;
                core.dismiss(w, fx);
            }
            if (newWorkers) {
                generation++;
                rolling = true;
                rollStep(fx);
            }
        } finally {
            core.lock.unlock();
        }
        fx.run();
    }

    /** Whether a rolling replacement is under way (for status and tests). */
    boolean rolling() {
        // A consistent read of the roll's three fields.
        core.lock.lock();
        try {
            return rolling || surging || retiring != null;
        } finally {
            core.lock.unlock();
        }
    }

    /**
     * The next step of a roll: when no step is in flight and an old worker remains, start one extra
     * worker. Under the lock. The scan for an old worker is O(workers); it runs once per replaced
     * worker during a reload, never on the checkout/checkin path.
     */
    void rollStep(Effects<W> fx) {
        if (!rolling || surging || retiring != null || core.closed) return;
        if (oldest(true) == null) {
            rolling = false;
            PoolCore.LOG.atInfo().addKeyValue("pool", core.settings.name()).log("pool {}: every worker runs the current settings", core.settings.name());
            return;
        }
        surging = true;
        core.surge++;
        core.starting++;
        fx.spawnForRoll(core.slots.take()); // one beyond size + max_overflow at most: the BitSet grows
    }

    /** The roll's new worker is ready: one old worker leaves, an idle one now, else a busy one at checkin. Under the lock. */
    void retireOneOld(Effects<W> fx) {
        Worker<W> old = oldest(false);
        if (old != null) {
            core.idle.remove(old);
            core.dismiss(old, fx); // replaced by a reload
            core.surge--;
            return;
        }
        old = oldest(true);
        if (old == null) {
            // The old ones left by themselves meanwhile (crash, max_uses) and were replaced: the extra
            // worker becomes an overflow one, dismissed as overflow workers are.
            core.surge--;
            core.overflow++;
            return;
        }
        retiring = old;
    }

    /** An old-generation worker: idle only, or idle or busy. Under the lock. */
    private Worker<W> oldest(boolean busyToo) {
        long current = generation;
        Worker<W> busyOne = null;
        for (Worker<W> w : core.live) {
            if (w.gen == current) continue;
            if (w.state == WorkerState.IDLE) return w;
            if (busyToo && w.state == WorkerState.BUSY && busyOne == null) busyOne = w;
        }
        return busyOne;
    }
}
