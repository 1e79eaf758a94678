/**
 * poolboy's pool over supervised worker processes.
 *
 * <p>{@link dev.pooly.pool.Pools#create} turns a {@link dev.pooly.pool.PoolSpec} into a subtree for a
 * supervision tree (the pool's supervisor, {@code one_for_all} over its workers supervisor and the pool
 * server) and a stable {@link dev.pooly.pool.Pool} handle that callers keep across pool restarts.
 * A {@link dev.pooly.pool.Lease} lends one worker's stdin/stdout to one holder at a time.
 *
 * <h2>Concurrency model</h2>
 * Each pool incarnation keeps one small state (idle workers, waiters, counters) behind one
 * {@link java.util.concurrent.locks.ReentrantLock}. Every change is one of a closed set of O(1)
 * transitions (checkout, checkin, cancel, discard, abandon, revoke, worker ready, worker start failed,
 * worker exited, overflow expired, close); spawning, stopping and killing workers, and peeking at a
 * worker's pipe, happen after the lock is released. A waiting caller parks on its own future (virtual
 * threads welcome), so a waiter costs memory, not a thread. The pool's status (ready/overflow/full)
 * is computed from that state, never stored. One timer thread per JVM runs lease timeouts, overflow
 * TTLs and a 25 ms sweep (request deadlines, holders gone).
 *
 * <h2>Worker states</h2>
 * <pre>
 *   STARTING --&gt; IDLE &lt;--&gt; BUSY
 *                  |         |
 *                  +--&gt; DYING (found dead; counted until its exit is seen)
 *                  +--&gt; LEAVING (stopped by the pool: dismissed, retired, killed; off the books)
 *   every path ends in GONE when the exit is seen
 * </pre>
 * Transitions are checked: an impossible one throws (a bookkeeping bug, never the caller's doing).
 * A worker goes from BUSY to IDLE only when quiet (below); otherwise it leaves and is replaced.
 *
 * <h2>Lease states</h2>
 * <pre>
 *   ACTIVE --&gt; CHECKED_IN | DISCARDED | ABANDONED                 (the holder, or its vanishing)
 *          --&gt; LEASE_TIMEOUT | REQUEST_TIMEOUT | WORKER_DIED | POOL_CLOSED   (the pool)
 * </pre>
 * A lease ends once, by compare-and-set, so holder and pool race and exactly one wins. Every later
 * operation through it throws {@link dev.pooly.pool.LeaseRevokedException} with that
 * {@link dev.pooly.pool.LeaseRevokedException.Reason}. Each checkout makes a new lease object; a worker
 * points at its current lease, so an old lease can neither reset nor reach a worker lent again.
 * Operations count themselves in and out of the lease, and the lease ends before its in-progress count
 * is read, so either an operation sees the lease ended, or the pool sees the operation and replaces
 * the worker instead of returning it.
 *
 * <h2>Quiet workers</h2>
 * At checkin (and when {@code on_abandon: return} returns a worker) the worker goes back only if no
 * operation is in progress, no request is unanswered, and nothing is unread (read-ahead or in the
 * pipe); just before an idle worker is lent the pipe is peeked again. The guarantee and its residual
 * window are stated on {@link dev.pooly.pool.Lease}.
 */
package dev.pooly.pool;
