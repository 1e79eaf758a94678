package dev.pooly.supervisor;

/** What happens to a process's standard streams. Immutable and thread-safe. */
public enum Stdio {
    /** stdin is empty; stdout and stderr go to rotating log files ({@code ID.out.log}, {@code ID.err.log}). */
    LOGGED,
    /**
     * stdin and stdout are kept as a channel for whoever holds the {@link ProcessChild} (pooled
     * workers); stderr goes to a rotating log file ({@code ID.err.log}).
     */
    CHANNEL
}
