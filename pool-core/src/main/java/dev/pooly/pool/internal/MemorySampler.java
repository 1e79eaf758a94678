package dev.pooly.pool.internal;

import dev.pooly.supervisor.ExitReason;

import java.time.Duration;

/**
 * {@code max_memory}: every {@value #PERIOD_MS} ms (PM2 samples every 30 s) each worker's process
 * tree is sampled, off the pool lock (reading /proc is I/O). An idle worker over the limit is
 * replaced at once; a lent one is marked ({@link Worker#overMemory}) and replaced at its checkin.
 *
 * <p>Thread-safe: runs on the pool clock's thread; the replacement is {@link PoolCore}'s transition.
 */
final class MemorySampler<W> {
    private static final long PERIOD_MS = 500;
    private static final Duration PERIOD = Duration.ofMillis(PERIOD_MS);

    private final PoolCore<W> core;
    /** The periodic sampling, or null without max_memory; re-armed by a reload that turns it on or off. */
    private volatile PoolClock.Scheduled rounds;

    MemorySampler(PoolCore<W> core, PoolCore.Settings settings) {
        this.core = core;
        this.rounds = rounds(settings);
    }

    private PoolClock.Scheduled rounds(PoolCore.Settings s) {
        return s.maxMemory() <= 0 ? null : core.clock.every(PERIOD, this::checkMemory);
    }

    /** A reload turned max_memory on or off: the sampling follows. Under the pool lock. */
    void rearm(PoolCore.Settings was, PoolCore.Settings next) {
        if ((was.maxMemory() > 0) != (next.maxMemory() > 0)) {
            if (rounds != null) rounds.cancel();
            rounds = rounds(next);
        }
    }

    /** Stops the sampling (the pool closed). */
    void cancel() {
        PoolClock.Scheduled r = rounds;
        if (r != null) r.cancel();
    }

    /**
     * Periodic: samples each worker's process tree (off the lock: reading /proc is I/O). An idle worker
     * over max_memory is replaced now; a lent one is marked and replaced when it is checked in.
     */
    void checkMemory() {
        long limit = core.settings.maxMemory();
        for (Worker<W> w : core.live) {
            WorkerState state = w.state;
            if ((state != WorkerState.IDLE && state != WorkerState.BUSY) || w.overMemory != null) continue;
            long used = core.source.memory(w.resource);
            if (used <= limit) continue;
            String why = "uses " + (used >> 20) + " MB, over max_memory " + (limit >> 20) + " MB";
            w.overMemory = why;
            Effects<W> fx = new Effects<>(core);
            // The sample was taken without the lock: the worker may have been lent (then checkin replaces it) or have left.
            core.lock.lock();
            try {
                if (w.state == WorkerState.IDLE) {
                    core.idle.remove(w); // an overflow_ttl timer for this stay finds it LEAVING and does nothing
                    w.leaving = ExitReason.MEMORY;
                    core.lastError = "worker " + w.pid + " " + why;
                    core.retire(w, fx);
                }
            } finally {
                core.lock.unlock();
            }
            if (w.leaving == ExitReason.MEMORY) {
                PoolCore.LOG.atWarn().addKeyValue("pool", core.settings.name()).addKeyValue("pid", w.pid).log("pool {}: idle worker {} {}; replacing it", core.settings.name(), w.pid, why);
            }
            fx.run();
        }
    }
}
