package dev.pooly.config;

import java.util.Locale;

/**
 * What a pool does with a lease whose holder vanished (its client died or disconnected). Immutable and
 * thread-safe.
 */
public enum OnAbandon {
    /** Kill the worker and start a fresh one: it may be half-way through a request. */
    REPLACE,
    /** Check the worker back in as it is. */
    RETURN;

    /** The value as written in the config file, e.g. {@code replace}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
