package dev.pooly.supervisor;

/**
 * How a child ended. On the posix_spawn launch path (Java 22+ on Linux) Pooly reaps its children
 * itself and reads the real wait status: a death by signal is {@link Signaled}, {@code exit(137)} is
 * {@link Exited}. On the ProcessBuilder path the JDK reports a death by signal N as status 128+N, so
 * there a process that calls {@code exit(137)} itself is indistinguishable from one killed by
 * SIGKILL; both are {@link Signaled}.
 *
 * <p>Every status is an immutable record, thread-safe to share.
 */
public sealed interface ExitStatus {

    /** Whether this exit is a failure for restart purposes ({@link RestartType#TRANSIENT}, intensity). */
    boolean abnormal();

    /** The process exited with {@code code}. Immutable. */
    record Exited(int code) implements ExitStatus {
        @Override public boolean abnormal() { return code != 0; }
        @Override public String toString() { return "exited with status " + code; }
    }

    /** The process was killed by {@code signal}. Immutable. */
    record Signaled(int signal) implements ExitStatus {
        @Override public boolean abnormal() { return true; }
        @Override public String toString() { return "killed by signal " + signal + " (" + signalName(signal) + ")"; }
    }

    /** The supervisor stopped the child itself (a stop, restart or shutdown): never abnormal. Immutable. */
    record Shutdown() implements ExitStatus {
        @Override public boolean abnormal() { return false; }
        @Override public String toString() { return "stopped by its supervisor"; }
    }

    /** A service or nested supervisor failed, or a process could not start; {@code reason} says why. Immutable. */
    record Crashed(String reason) implements ExitStatus {
        @Override public boolean abnormal() { return true; }
        @Override public String toString() { return "crashed: " + reason; }
    }

    /** Maps a JDK exit value to a status (values above 128 are deaths by signal). */
    static ExitStatus ofExitValue(int value) {
        return value > 128 && value < 128 + 65 ? new Signaled(value - 128) : new Exited(value);
    }

    static String signalName(int signal) {
        return switch (signal) {
            case 1 -> "SIGHUP";
            case 2 -> "SIGINT";
            case 3 -> "SIGQUIT";
            case 6 -> "SIGABRT";
            case 9 -> "SIGKILL";
            case 11 -> "SIGSEGV";
            case 13 -> "SIGPIPE";
            case 15 -> "SIGTERM";
            default -> "SIG" + signal;
        };
    }
}
