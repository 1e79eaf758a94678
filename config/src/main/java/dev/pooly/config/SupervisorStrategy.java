package dev.pooly.config;

import java.util.Locale;

/**
 * What a supervisor does when one of its children exits and must be restarted, as in OTP. Immutable
 * and thread-safe.
 */
public enum SupervisorStrategy {
    /** Restart only the child that exited. */
    ONE_FOR_ONE,
    /** Stop every child, then restart them all in order. */
    ONE_FOR_ALL,
    /** Stop the child and those started after it, then restart them in order. */
    REST_FOR_ONE;

    /** The value as written in the config file, e.g. {@code one_for_one}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
