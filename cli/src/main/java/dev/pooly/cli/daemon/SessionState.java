package dev.pooly.cli.daemon;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The state machine of one {@link LeaseSession}: its {@link Phase}, how a lease that returns its
 * worker ends ({@link Return}), and the requests written to the worker and not yet answered.
 *
 * <pre>
 *   ACTIVE --checkin--> CHECKING_IN --reader's last read, or a replacing end--> ENDED
 *   ACTIVE --------------- a replacing end, or the reader returning the worker ------> ENDED
 * </pre>
 *
 * Every transition goes through {@link #moveTo}, which refuses any other; exactly one call reaches
 * {@code ENDED}, and the thread that made it ends the lease (see {@link LeaseSession} for which thread
 * may end it how). Every method is O(1) under {@link #lock} and does no I/O: the I/O a transition
 * implies is the caller's, after it returned.
 *
 * <p>Thread-safe: the connection thread and the relay's reader thread both call it; the lock's
 * unlock/lock orders what one wrote before a transition before what the other does after seeing it.
 */
final class SessionState {

    enum Phase { ACTIVE, CHECKING_IN, ENDED }

    /** How a lease that returns its worker ends, once the reader has read its last. */
    enum Return { CHECKIN, ABANDON, REFUSED }

    /** What the client's end of the lease found (see {@link #endByClient}). */
    enum ClientEnd { ALREADY_ENDED, RETURNING, MID_REQUEST }

    /** The reader's next step (see {@link #nextStep}). */
    enum Step {
        /** The lease has ended: the reader stops. */
        STOP,
        /** A request is outstanding: read its answer. */
        ANSWER,
        /** Output with nothing outstanding: nobody asked for it, the lease ends replacing the worker. */
        UNASKED,
        /** The lease ended as a return (this call made it {@code ENDED}): see {@link #returned()}. */
        RETURN,
        /** Nothing to do: the reader waited up to its idle poll and looks again. */
        IDLE
    }

    /** What reading an answer found (see {@link #answerRead}). */
    enum Answered { ENDED, LAST, MORE }

    // Guards the session's state: the connection thread and the reader thread race to end the lease
    // (checkin vs client death vs request timeout vs worker death vs unasked output); one must win.
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** The per-request deadline in nanoseconds; 0 without a request timeout. */
    private final long requestTimeoutNanos;
    // ---- guarded by lock
    private Phase phase = Phase.ACTIVE;
    private int outstanding;
    private Return returning;
    /** Deadlines (nanoTime) of the outstanding requests, oldest first; empty without a request timeout. */
    private final ArrayDeque<Long> deadlines = new ArrayDeque<>();
    // ----

    SessionState(Duration requestTimeout) {
        this.requestTimeoutNanos = requestTimeout == null ? 0 : requestTimeout.toNanos();
    }

    /** The only place the phase changes: refuses a transition the diagram above does not have. */
    private void moveTo(Phase next) {
        boolean allowed = switch (phase) {
            case ACTIVE -> next == Phase.CHECKING_IN || next == Phase.ENDED;
            case CHECKING_IN -> next == Phase.ENDED;
            case ENDED -> false;
        };
        if (!allowed) throw new IllegalStateException("lease session: no transition " + phase + " -> " + next);
        phase = next;
        changed.signalAll();
    }

    /**
     * The connection thread is about to write a request: counted (with its deadline) when
     * {@code ACTIVE}. Returns the phase found; the request is counted only if that is {@code ACTIVE}.
     * Counted before it is written: an answer can then never be seen before its request.
     */
    Phase countRequest() {
        lock.lock();
        try {
            Phase now = phase;
            if (now == Phase.ACTIVE) {
                outstanding++;
                if (requestTimeoutNanos != 0) deadlines.addLast(System.nanoTime() + requestTimeoutNanos);
                changed.signalAll();
            }
            return now;
        } finally {
            lock.unlock();
        }
    }

    /** The client's checkin: {@code ACTIVE -> CHECKING_IN}. Returns the phase found before it. */
    Phase beginCheckin() {
        lock.lock();
        try {
            Phase before = phase;
            if (before == Phase.ACTIVE) {
                if (returning == null) returning = Return.CHECKIN;
                moveTo(Phase.CHECKING_IN);
            }
            return before;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The client ended the lease (it vanished, or broke the protocol). With nothing outstanding the
     * reader returns the worker {@code how} after its last read (or replaces it, if it is not quiet);
     * with a request outstanding the caller must end the lease replacing the worker.
     */
    ClientEnd endByClient(Return how) {
        // Races the reader ending the lease (an answer, a dead worker, a timeout): one of them decides.
        lock.lock();
        try {
            if (phase == Phase.ENDED) return ClientEnd.ALREADY_ENDED;
            if (outstanding > 0) return ClientEnd.MID_REQUEST;
            returning = how;
            changed.signalAll();
            return ClientEnd.RETURNING;
        } finally {
            lock.unlock();
        }
    }

    /** A replacing end: {@code -> ENDED}. False when the lease had already ended (someone else ends it). */
    boolean end() {
        lock.lock();
        try {
            if (phase == Phase.ENDED) return false;
            moveTo(Phase.ENDED);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The lines reader's next step, given the bytes it saw readable <em>before</em> calling (output
     * seen with nothing outstanding was then there before any request was written, since a request
     * is counted before it is written). {@link Step#RETURN} is itself the transition to {@code ENDED};
     * {@link Step#IDLE} has waited up to {@code idleNanos} for a change.
     */
    Step nextStep(int available, long idleNanos) throws InterruptedException {
        lock.lock();
        try {
            if (phase == Phase.ENDED) return Step.STOP;
            if (outstanding > 0) return Step.ANSWER;
            if (available > 0) return Step.UNASKED;
            if (returning != null) {
                moveTo(Phase.ENDED);
                return Step.RETURN;
            }
            changed.awaitNanos(idleNanos);
            return Step.IDLE;
        } finally {
            lock.unlock();
        }
    }

    /** How the lease returns its worker; fixed once it is {@code ENDED} (no setter runs after that). */
    Return returned() {
        lock.lock();
        try {
            return returning;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The time left to the oldest outstanding request's deadline, which runs from when the daemon
     * read it, not from now; null without a request timeout or an outstanding request.
     */
    Duration oldestDeadline() {
        if (requestTimeoutNanos == 0) return null;
        lock.lock();
        try {
            Long oldest = deadlines.peekFirst();
            return oldest == null ? null : Duration.ofNanos(Math.max(1, oldest - System.nanoTime()));
        } finally {
            lock.unlock();
        }
    }

    /** The reader read an answer: uncounted, unless the lease ended meanwhile (the answer is then nobody's). */
    Answered answerRead() {
        lock.lock();
        try {
            if (phase == Phase.ENDED) return Answered.ENDED;
            outstanding--;
            deadlines.pollFirst();
            return outstanding == 0 ? Answered.LAST : Answered.MORE;
        } finally {
            lock.unlock();
        }
    }

    /** The bytes reader's look before each poll (see {@link #bytesStep}). */
    enum BytesStep {
        /** The lease has ended: the reader stops. */
        STOP,
        /** The client vanished: this call made the lease {@code ENDED}; the caller applies on_abandon. */
        ABANDONED,
        /** Go on relaying. */
        RELAY
    }

    /** The bytes reader: stops when the lease ended, ends it when the client vanished, else relays on. */
    BytesStep bytesStep() {
        lock.lock();
        try {
            if (phase == Phase.ENDED) return BytesStep.STOP;
            if (returning != Return.ABANDON) return BytesStep.RELAY;
            moveTo(Phase.ENDED);
            return BytesStep.ABANDONED;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The bytes reader after a quiet drain: {@code -> ENDED}, returning how the worker goes back
     * ({@link Return#ABANDON} if the client vanished meanwhile, else {@link Return#CHECKIN}); null when
     * the lease had already ended.
     */
    Return endReturning() {
        lock.lock();
        try {
            if (phase == Phase.ENDED) return null;
            Return how = returning == Return.ABANDON ? Return.ABANDON : Return.CHECKIN;
            moveTo(Phase.ENDED);
            return how;
        } finally {
            lock.unlock();
        }
    }
}
