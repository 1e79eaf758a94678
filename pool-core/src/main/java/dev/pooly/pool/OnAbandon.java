package dev.pooly.pool;

/**
 * What happens to a lease whose holder vanished without checking it in (its thread ended, the lease
 * became unreachable, or a daemon client disconnected).
 * {@link #REPLACE} kills the worker and starts a new one, because a byte-stream worker may be left
 * with half a request (poolboy #56); {@link #RETURN} checks the worker in as it is.
 */
public enum OnAbandon { REPLACE, RETURN }
