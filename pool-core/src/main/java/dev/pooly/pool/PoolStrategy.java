package dev.pooly.pool;

/** Which idle worker a checkout gets: the most recently returned ({@code LIFO}, warm caches) or the oldest ({@code FIFO}, even wear). Immutable and thread-safe. */
public enum PoolStrategy { LIFO, FIFO }
