package dev.pooly.pool.internal;

import dev.pooly.pool.WorkerExit;
import dev.pooly.supervisor.ExitReason;
import dev.pooly.supervisor.ExitStatus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What a transition decided to do once the pool lock is released: report an exit, kill or dismiss
 * workers, start replacements (at once, after a backoff delay, for a roll), retry failed starts. A
 * transition records them under the lock and its caller runs them after unlocking, so no I/O or
 * spawn happens under the lock. Used by one thread.
 */
final class Effects<W> {
    private final PoolCore<W> core;

    Effects(PoolCore<W> core) {
        this.core = core;
    }

    private WorkerExit exit;

    void exited(Worker<W> w, ExitReason reason, ExitStatus status) {
        exit = new WorkerExit(core.settings.name(), w.id, w.pid, w.slot, reason, status);
    }

    private List<Worker<W>> dismiss;
    private List<Worker<W>> kill;
    private List<Integer> spawns;
    /** The roll's extra worker's slot, or -1. */
    private int rollSpawn = -1;
    private long retryAfterMs = -1;

    void dismiss(Worker<W> w) {
        if (dismiss == null) dismiss = new ArrayList<>(2);
        dismiss.add(w);
    }

    void kill(Worker<W> w) {
        if (kill == null) kill = new ArrayList<>(1);
        kill.add(w);
    }

    void spawn(int slot) {
        if (spawns == null) spawns = new ArrayList<>(1);
        spawns.add(slot);
    }

    private Duration spawnAfter;
    private int spawnAfterSlot;

    /** One spawn into {@code slot}, after {@code delay} (only one per transition: a worker exit). */
    void spawnAfter(Duration delay, int slot) {
        spawnAfter = delay;
        spawnAfterSlot = slot;
    }

    void spawnForRoll(int slot) { rollSpawn = slot; }

    void retryAfter(long ms) { retryAfterMs = ms; }

    void run() {
        if (exit != null) {
            core.lastExit = exit;
            Consumer<? super WorkerExit> l = core.exitListener;
            try {
                // One exit, one reason, for both observers: the metrics listener and Pool.onWorkerExit.
                core.listener.workerExited(exit.reason());
                if (l != null) l.accept(exit);
            } catch (RuntimeException e) {
                PoolCore.LOG.warn("pool {}: worker exit listener failed on {}", core.settings.name(), exit, e);
            }
            if (exit.reason() != ExitReason.CRASH && exit.reason() != ExitReason.STOPPED) {
                // max_uses and overflow_ttl retire workers as planned, up to once per lease: debug (issue 22).
                boolean planned = exit.reason() == ExitReason.MAX_USES || exit.reason() == ExitReason.OVERFLOW_TTL;
                (planned ? PoolCore.LOG.atDebug() : PoolCore.LOG.atInfo()).addKeyValue("pool", core.settings.name())
                        .addKeyValue("worker", exit.worker()).addKeyValue("pid", exit.pid())
                        .log("pool {}: worker {} (pid {}) ended: {}", core.settings.name(), exit.worker(), exit.pid(), exit.reason().label());
            }
        }
        if (kill != null) for (Worker<W> w : kill) core.source.kill(w.resource);
        if (dismiss != null) for (Worker<W> w : dismiss) if (kill == null || !kill.contains(w)) core.source.dismiss(w.resource);
        if (spawns != null) for (int slot : spawns) core.life.spawn(slot);
        if (spawnAfter != null) {
            int slot = spawnAfterSlot;
            core.clock.after(spawnAfter, () -> core.life.delayedSpawn(slot));
        }
        if (rollSpawn >= 0) core.life.spawn(rollSpawn, true);
        if (retryAfterMs >= 0) core.clock.after(Duration.ofMillis(retryAfterMs), core.life::retryMissing);
    }
}
