package dev.pooly.pool.internal;

import dev.pooly.pool.LeaseRevokedException.Reason;
import dev.pooly.pool.WorkerStartException;
import dev.pooly.supervisor.ExitReason;
import dev.pooly.supervisor.ExitStatus;

import java.time.Duration;

/**
 * A worker's way into and out of the pool's books: its start ({@link #spawn}), its arrival
 * ({@code ready}: to a waiter or the idle list), a failed start (the waiter it was for fails, the
 * slot becomes {@code missing} and is retried with a growing delay), and its exit ({@code exited}:
 * accounted for by the state it died in, replaced at once or after the slot's backoff, and counted
 * against the pool's intensity).
 *
 * <p>Each transition changes {@link PoolCore}'s books under its lock, O(1), keeping its accounting
 * invariant; the starts, kills and listener calls it implies run after unlocking ({@link Effects}).
 * Called from the source's start and exit callbacks and the pool clock's timers.
 */
final class WorkerLifecycle<W> {
    private final PoolCore<W> core;

    WorkerLifecycle(PoolCore<W> core) {
        this.core = core;
    }

    void spawn(int slot) {
        spawn(slot, false);
    }

    /**
     * Starts one worker into {@code slot}. The generation is read before the source reads the worker
     * settings, and a reload publishes new settings before it bumps the generation: so a worker marked
     * new always runs the new settings (one marked old may run them too, and is merely replaced once more).
     */
    void spawn(int slot, boolean forRoll) {
        long gen = core.reload.generation;
        core.source.start(slot).whenComplete((resource, error) -> {
            if (error != null) startFailed(slot, error, forRoll);
            else ready(resource, slot, gen, forRoll);
        });
    }

    private void ready(W resource, int slot, long gen, boolean forRoll) {
        Worker<W> w = new Worker<>(resource, core.source.pid(resource), slot, core.source.id(resource));
        w.readyNanos = core.clock.nanoTime();
        w.gen = gen;
        Effects<W> fx = new Effects<>(core);
        // A ready worker must reach a waiter or the idle list in the same step that frees its starting slot.
        core.lock.lock();
        try {
            core.starting--;
            core.retryBackoffMs = 100;
            core.live.add(w);
            if (core.closed) {
                core.dismiss(w, fx);
            } else {
                w.to(WorkerState.IDLE, core.settings.name());
                core.release(w, fx);
                if (forRoll) {
                    core.reload.surging = false;
                    core.reload.retireOneOld(fx);
                } else if (gen != core.reload.generation) {
                    core.reload.rolling = true; // an old-settings worker that was starting when the reload came
                }
                core.reload.rollStep(fx);
            }
        } finally {
            core.lock.unlock();
        }
        core.source.exit(resource).thenAccept(status -> exited(w, status));
        fx.run();
    }

    private void startFailed(int slot, Throwable error, boolean forRoll) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
        String message = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        core.lastError = message;
        Effects<W> fx = new Effects<>(core);
        // The failed start's slot and the waiter it was for are settled together, so no waiter waits for a start that will not come.
        core.lock.lock();
        try {
            core.starting--;
            core.slots.free(slot);
            if (forRoll) {
                // The new settings do not start: keep the old workers serving and say so; nobody waited for this one.
                core.reload.surging = false;
                core.reload.rolling = false;
                core.surge--;
                core.lastError = "rolling replacement stopped: a worker with the new settings failed to start: " + message;
                PoolCore.LOG.atError().addKeyValue("pool", core.settings.name()).log("pool {}: {}", core.settings.name(), core.lastError);
                return;
            }
            if (core.overflow > 0) core.overflow--;
            else core.missing++;
            // The caller this start was for: the first in line (there is no idle worker while anyone waits).
            core.waiters.failFirst(new WorkerStartException("pool " + core.settings.name() + ": " + message, cause));
            if (core.missing > 0 && !core.closed && !core.retryScheduled) {
                core.retryScheduled = true;
                fx.retryAfter(core.retryBackoffMs);
                core.retryBackoffMs = Math.min(core.retryBackoffMs * 2, 5_000);
            }
        } finally {
            core.lock.unlock();
        }
        fx.run();
    }

    /** A start that waited out a backoff delay; skipped (its slot released) if the pool closed meanwhile. */
    void delayedSpawn(int slot) {
        // A close may have come during the delay: then the reserved starting slot is released instead.
        core.lock.lock();
        try {
            if (core.closed) {
                core.starting--;
                core.slots.free(slot);
                return;
            }
        } finally {
            core.lock.unlock();
        }
        spawn(slot);
    }

    void retryMissing() {
        int spawn = -1;
        // A close may have come since the retry was scheduled.
        core.lock.lock();
        try {
            core.retryScheduled = false;
            if (!core.closed && core.missing > 0) {
                core.missing--;
                core.starting++;
                spawn = core.slots.take();
            }
        } finally {
            core.lock.unlock();
        }
        if (spawn >= 0) spawn(spawn);
    }

    private void exited(Worker<W> w, ExitStatus status) {
        Effects<W> fx = new Effects<>(core);
        String giveUp = null;
        // The exit races the holder's checkin and the pool's own stop; the worker's state says who accounts for it.
        core.lock.lock();
        try {
            WorkerState was = w.state;
            w.to(WorkerState.GONE, core.settings.name());
            if (was == WorkerState.LEAVING) {
                // The pool stopped it and has already accounted for it; CRASH there means it was found
                // dead before its exit came (PoolCore.takeBack), so its status says why after all.
                fx.exited(w, w.leaving == ExitReason.CRASH ? ExitReason.of(status) : w.leaving, status);
            } else {
                fx.exited(w, ExitReason.of(status), status);
                giveUp = crashed(w, was, status, fx);
            }
        } finally {
            core.lock.unlock();
        }
        fx.run();
        if (giveUp != null) core.onGiveUp.accept(giveUp);
    }

    /** Accounts for {@code w}, which died on its own in state {@code was}; a verdict if the pool must give up. Under the lock. */
    private String crashed(Worker<W> w, WorkerState was, ExitStatus status, Effects<W> fx) {
        String giveUp = null;
        {
            core.live.remove(w);
            switch (was) {
                case BUSY -> {
                    Grant<W> grant = w.lease;
                    core.unlend(w);
                    // Loses to a holder that ended the lease a moment ago; that holder then finds w.lease gone.
                    grant.end(new Ending(Reason.WORKER_DIED, "is void: the worker " + status));
                }
                case IDLE -> core.idle.remove(w);
                case DYING -> core.dying--;
                default -> throw new IllegalStateException("pool " + core.settings.name() + ": worker " + w.pid + " exited in state " + was);
            }
            core.lastError = "worker " + w.pid + " " + status;
            if (!core.crashes.admit(System.nanoTime())) {
                giveUp = core.crashes.verdict() + " among the workers of pool " + core.settings.name() + "; last: worker " + w.pid + " " + status;
            }
            int streak = core.settings.backoff().streakAfter(core.slots.shortRuns(w.slot), Duration.ofNanos(core.clock.nanoTime() - w.readyNanos));
            core.slots.shortRuns(w.slot, streak);
            Duration delay = core.settings.backoff().delay(streak, java.util.concurrent.ThreadLocalRandom.current()::nextDouble);
            if (w == core.reload.retiring) {
                // Rolled out by dying: its replacement is running already (with a slot of its own).
                core.slots.free(w.slot);
                core.reload.retiring = null;
                core.surge--;
                core.reload.rollStep(fx);
            } else if (delay.isZero() || core.closed || !(core.waiters.size() > 0 || core.overflow == 0)) {
                core.replace(fx, w.slot);
            } else {
                // As replace(), but the start waits out the backoff; a waiter waits for it as for any starting worker.
                core.starting++;
                fx.spawnAfter(delay, w.slot);
                PoolCore.LOG.atInfo().addKeyValue("pool", core.settings.name()).addKeyValue("pid", w.pid).log("pool {}: worker {} {} after a short run; its replacement starts in {} ms (backoff)",
                        core.settings.name(), w.pid, status, delay.toMillis());
            }
        }
        return giveUp;
    }

}
