/**
 * poolboy's pool over supervised worker processes.
 *
 * <p>{@link dev.pooly.pool.Pools#create} turns a {@link dev.pooly.pool.PoolSpec} into a subtree for a
 * supervision tree (the pool's supervisor, {@code one_for_all} over its workers supervisor and the pool
 * server) and a stable {@link dev.pooly.pool.Pool} handle that callers keep across pool restarts.
 * A {@link dev.pooly.pool.Lease} lends one worker's stdin/stdout to one caller at a time.
 *
 * <h2>Concurrency model</h2>
 * Each pool incarnation keeps one small state (idle workers, waiters, overflow count) behind one
 * {@link java.util.concurrent.locks.ReentrantLock}. Every change is one of a closed set of O(1)
 * transitions (checkout, checkin, cancel, discard, owner gone, worker ready, worker start failed,
 * worker exited); spawning, stopping and killing workers happen after the lock is released. A waiting
 * caller parks on its own future (virtual threads welcome), so a waiter costs memory, not a thread.
 * The pool's status (ready/overflow/full) is computed from that state, never stored.
 */
package dev.pooly.pool;
