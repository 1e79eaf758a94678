package dev.pooly.pool.internal;

import dev.pooly.pool.LeaseRevokedException.Reason;
import dev.pooly.pool.PoolHealth;
import dev.pooly.supervisor.ExitReason;

import java.time.Duration;
import java.util.Objects;

/**
 * The pool's health checks ({@code health:}): the periodic round over idle workers, each checked on a
 * virtual thread of its own while lent to the check (so no caller gets it meanwhile); the check on
 * checkout ({@code on_checkout}); and the proof of quiet that an uncounted lease's worker must pass
 * to go back ({@link #proveQuiet}). A check writes the health request and waits for the expected
 * answer; its timeout is enforced by killing the worker, which ends the blocked read. A failed check
 * ends the lease (exit reason {@code health}) and the worker is killed and replaced.
 *
 * <p>Thread-safe: the probes run outside the pool lock; the lend and the take-back are
 * {@link PoolCore}'s transitions.
 */
final class HealthChecks<W> {
    private final PoolCore<W> core;
    /** The periodic round, or null; re-armed by a reload that changes health.every. */
    private volatile PoolClock.Scheduled rounds;

    HealthChecks(PoolCore<W> core, PoolCore.Settings settings) {
        this.core = core;
        this.rounds = rounds(settings);
    }

    private PoolClock.Scheduled rounds(PoolCore.Settings s) {
        PoolHealth health = s.health();
        return health == null || health.every().isZero() ? null : core.clock.every(health.every(), this::checkIdleWorkers);
    }

    /** A reload changed health.every: the round follows. Under the pool lock (so a close sees the new one). */
    void rearm(PoolCore.Settings was, PoolCore.Settings next) {
        Duration every = was.health() == null ? null : was.health().every();
        Duration nextEvery = next.health() == null ? null : next.health().every();
        if (!Objects.equals(every, nextEvery)) {
            if (rounds != null) rounds.cancel();
            rounds = rounds(next);
        }
    }

    /** Stops the periodic round (the pool closed). */
    void cancel() {
        PoolClock.Scheduled r = rounds;
        if (r != null) r.cancel();
    }

    boolean checksOnCheckout() {
        PoolHealth h = core.settings.health();
        return h != null && h.onCheckout();
    }

    /** Periodic: each idle worker is checked on a virtual thread of its own. */
    void checkIdleWorkers() {
        for (Worker<W> w : core.live) {
            if (w.state == WorkerState.IDLE) {
                Thread.ofVirtual().name("pooly-health-" + core.settings.name() + "-" + w.pid).start(() -> checkIdle(w));
            }
        }
    }

    /** Takes idle {@code w} off the idle list as if lent (so no caller gets it meanwhile), checks it, returns it. */
    private void checkIdle(Worker<W> w) {
        Grant<W> grant;
        // The scan saw it idle without the lock: a checkout may have taken it, or it may have left, since.
        core.lock.lock();
        try {
            if (core.closed || w.state != WorkerState.IDLE) return;
            core.idle.remove(w);
            grant = core.lend(w, Thread.currentThread());
            grant.probe = true; // a check is not a lease (listener) nor the end of an idle stay (overflow_ttl)
            w.uses--; // a check is not a use (max_uses counts leases)
        } finally {
            core.lock.unlock();
        }
        if (probe(grant)) core.checkin(grant); // a caller that queued meanwhile gets it from checkin
    }

    /**
     * Writes the health request to {@code grant}'s worker and waits up to the timeout for the expected
     * answer. False when the check failed: then the lease has ended and the worker is killed and replaced
     * (exit reason health). The timeout is enforced by killing the worker, which ends the blocked read.
     */
    boolean probe(Grant<W> grant) {
        PoolHealth h = core.settings.health();
        PoolClock.Scheduled timer = core.clock.after(h.timeout(),
                () -> failCheck(grant, "gave no answer to " + h.request() + " within " + PoolCore.format(h.timeout())));
        String answer;
        try {
            answer = core.source.probe(grant.worker.resource, h.request());
        } catch (java.io.IOException | RuntimeException e) {
            timer.cancel();
            failCheck(grant, "failed its health check (" + e.getMessage() + ")");
            return false;
        }
        timer.cancel();
        if (!h.expect().equals(answer)) {
            failCheck(grant, answer == null ? "closed its stdout instead of answering " + h.request()
                    : "answered '" + answer + "' to " + h.request() + ", expected '" + h.expect() + "'");
            return false;
        }
        return grant.active(); // false if the timer ended it just as the answer came
    }

    private void failCheck(Grant<W> grant, String why) {
        // The timer and the prober race to fail the same check; the lease's CAS lets one through.
        if (!grant.end(new Ending(Reason.DISCARDED, "was ended: the worker " + why + " (health check)"))) return;
        grant.worker.leaving = ExitReason.HEALTH;
        core.lastError = "worker " + grant.worker.pid + " " + why + " (health check)";
        PoolCore.LOG.atWarn().addKeyValue("pool", core.settings.name()).addKeyValue("pid", grant.worker.pid)
                .log("pool {}: worker {} {}; replacing it (health check)", core.settings.name(), grant.worker.pid, why);
        core.takeBack(grant, "health check: " + why);
    }

    /**
     * The worker of ended {@code grant}, whose lease the pool could not count ({@code why}), goes back
     * only if the pool's health request proves it quiet: answered with exactly {@code expect} within
     * the health timeout, and nothing unread after it. A worker answers in order, so an answer still
     * owed to the ended lease comes before the health answer and fails the proof. Null when proven,
     * else why not. Blocks up to the health timeout, outside the lock, while the books still hold the
     * worker as lent to {@code grant} (so nobody else can reach it); the timeout kills the worker,
     * which ends a blocked read.
     */
    String proveQuiet(Grant<W> grant, String why) {
        PoolHealth h = core.settings.health();
        if (h == null) return why + ", and the pool has no health request to prove it quiet";
        W worker = grant.worker.resource;
        PoolClock.Scheduled timer = core.clock.after(h.timeout(), () -> core.source.kill(worker));
        String answer;
        try {
            answer = core.source.probe(worker, h.request());
        } catch (java.io.IOException | RuntimeException e) {
            return why + ", and its health check failed (" + e.getMessage() + ")";
        } finally {
            timer.cancel();
        }
        if (!h.expect().equals(answer)) {
            return why + ", and it answered " + (answer == null ? "nothing" : "'" + answer + "'") + " to the health request '"
                    + h.request() + "' within " + PoolCore.format(h.timeout()) + ", not '" + h.expect() + "'";
        }
        String after = core.source.unread(worker);
        return after == null ? null : why + ", and after its health answer it had " + after;
    }

}
