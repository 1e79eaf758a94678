package dev.pooly.cli;

/** The contract's exit codes (sysexits). */
public final class ExitCode {
    private ExitCode() {}

    public static final int OK = 0;
    /** A worker died mid-call; the daemon's root supervisor gave up. */
    public static final int FAILURE = 1;
    public static final int USAGE = 64;
    public static final int INVALID_CONFIG = 65;
    /** Daemon not reachable, or unknown pool or id. */
    public static final int UNAVAILABLE = 69;
    /** Pool full ({@code --no-wait}), checkout timed out, or a request timed out ({@code --request-timeout}). */
    public static final int TEMPORARY_FAILURE = 75;
}
