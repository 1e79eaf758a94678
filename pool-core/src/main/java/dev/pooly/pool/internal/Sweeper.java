package dev.pooly.pool.internal;

import dev.pooly.pool.LeaseRevokedException.Reason;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The pool's sweeper: every {@value #PERIOD_MS} ms it ends leases whose request is past its deadline
 * ({@code request_timeout}: the worker is killed, the lease ends with {@code REQUEST_TIMEOUT}) and
 * leases all of whose user threads ended (abandoned: {@code on_abandon} applies). The other timed
 * endings are one-shot timers of the pool clock that {@link PoolCore} arms as it lends
 * ({@code lease_timeout}) and as an overflow worker goes idle ({@code overflow_ttl}), since they
 * change its books.
 *
 * <p>Thread-safe: runs on the pool clock's thread, without the pool lock; what it ends goes through
 * the lease's CAS and {@link PoolCore}'s transitions.
 */
final class Sweeper<W> {
    private static final long PERIOD_MS = 25;
    static final Duration PERIOD = Duration.ofMillis(PERIOD_MS);

    private final PoolCore<W> core;

    Sweeper(PoolCore<W> core) {
        this.core = core;
    }

    /**
     * Periodic: requests past their deadline, and leases all of whose user threads ended. A lock-free
     * scan of the live workers (racy reads are settled by the lease's CAS and rechecked under the lock
     * by the transitions it calls), so that checkout and checkin need not maintain a set of leases.
     */
    void sweep() {
        long now = core.clock.nanoTime();
        List<Grant<W>> due = null;
        for (Worker<W> w : core.live) {
            Grant<W> grant = w.lease;
            if (grant == null || !grant.active()) continue;
            long deadline = grant.requestDeadline;
            if ((deadline != 0 && now - deadline > 0) || grant.holdersGone()) {
                if (due == null) due = new ArrayList<>(2);
                due.add(grant);
            }
        }
        if (due == null) return;
        // In lending order, not the live set's hash order: replacements then start in a reproducible order.
        due.sort(java.util.Comparator.comparingLong(g -> g.seq));
        for (Grant<W> grant : due) {
            long deadline = grant.requestDeadline;
            if (deadline != 0 && now - deadline > 0) {
                core.desk.revoke(grant, new Ending(Reason.REQUEST_TIMEOUT, "is void: the worker gave no answer within the request's deadline and was killed"));
            } else {
                core.abandon(grant);
            }
        }
    }

    /** overflow_ttl: an overflow worker idle since its stay {@code seq} began leaves, unless it was lent meanwhile. Under the pool lock. */
    void expireOverflow(Worker<W> w, long seq) {
        Effects<W> fx = new Effects<>(core);
        // A checkout may have taken the worker since this timer was set (idleSeq says so).
        core.lock.lock();
        try {
            if (w.idleSeq != seq || core.overflow == 0) return; // lent and returned since: a later timer owns it
            Grant<W> lease = w.lease;
            if (w.state == WorkerState.BUSY && lease != null && lease.probe) {
                w.ttlDue = true; // a health check has it: its stay goes on, and ends when the check gives it back
                return;
            }
            if (w.state != WorkerState.IDLE) return;
            core.idle.remove(w);
            core.expire(w, fx);
        } finally {
            core.lock.unlock();
        }
        fx.run();
    }
}
