package dev.pooly.config;

import java.util.Locale;

/**
 * When a child that exited is restarted, as in OTP. Immutable and thread-safe.
 */
public enum RestartType {
    /** Always restarted. */
    PERMANENT,
    /** Restarted only after an abnormal exit: a non-zero status, or a signal the supervisor did not send. */
    TRANSIENT,
    /** Never restarted. */
    TEMPORARY;

    /** The value as written in the config file, e.g. {@code permanent}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
