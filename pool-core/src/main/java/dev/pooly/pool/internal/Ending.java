package dev.pooly.pool.internal;

import dev.pooly.pool.LeaseRevokedException.Reason;
import dev.pooly.supervisor.ExitReason;

/** How a lease ended: the reason and words for the holder's exception. Immutable. */
record Ending(Reason reason, String detail) {
    static final Ending CHECKED_IN = new Ending(Reason.CHECKED_IN, "was checked in");
    static final Ending DISCARDED = new Ending(Reason.DISCARDED, "was discarded; the worker was killed");
    static final Ending ABANDONED = new Ending(Reason.ABANDONED, "was abandoned by its holder");
    /** A lease that never reached its taker (it timed out in the same instant, or the worker was noisy): no lease for the listener. */
    static final Ending NOT_LENT = new Ending(Reason.DISCARDED, "was never handed out: the worker had unread output");

    /** Why a worker whose lease ended with {@code reason} is killed and replaced. */
    static ExitReason exitReasonOf(Reason reason) {
        return switch (reason) {
            case ABANDONED -> ExitReason.ABANDONED;
            case LEASE_TIMEOUT -> ExitReason.LEASE_TIMEOUT;
            case REQUEST_TIMEOUT -> ExitReason.REQUEST_TIMEOUT;
            case WORKER_DIED -> ExitReason.CRASH;
            case POOL_CLOSED -> ExitReason.STOPPED;
            // The holder discarded it, or it was not quiet (output nobody asked for): the pool killed it.
            case CHECKED_IN, DISCARDED -> ExitReason.KILLED;
        };
    }
}
