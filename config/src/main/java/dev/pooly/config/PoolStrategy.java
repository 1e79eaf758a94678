package dev.pooly.config;

import java.util.Locale;

/**
 * Which idle worker a checkout gets, as in poolboy. Immutable and thread-safe.
 */
public enum PoolStrategy {
    /** The worker checked in last: keeps few workers warm, lets the rest idle. */
    LIFO,
    /** The worker idle the longest: spreads leases evenly over the workers. */
    FIFO;

    /** The value as written in the config file, e.g. {@code lifo}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
