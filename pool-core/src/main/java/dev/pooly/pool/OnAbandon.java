package dev.pooly.pool;

/**
 * What happens to a lease whose holder vanished without checking it in: it became unreachable, every
 * thread that used it ended, a daemon client disconnected, or the holder called {@link Lease#abandon()}.
 * {@link #REPLACE} kills the worker and starts a new one, because a byte-stream worker may be left
 * with half a request (poolboy #56); {@link #RETURN} checks the worker in as it is, if it is quiet
 * (see {@link Lease}), and otherwise replaces it too. RETURN counts for leases whose requests the pool
 * counts (lines, frames); an uncounted lease (raw stdin bytes, a daemon bytes-mode session) returns
 * its worker only when the pool's health request proves it quiet, else it is replaced. Immutable and
 * thread-safe.
 */
public enum OnAbandon { REPLACE, RETURN }
