package dev.pooly.supervisor;

import java.util.Locale;

/**
 * Why a supervised process or a pool worker ended, as an operator reads it in events, in
 * {@code last_exit} of the status and in the {@code reason} label of {@code pooly_worker_exits_total}.
 * {@link ExitStatus} says how the process ended (status, signal); this says why.
 *
 * <p>Immutable; thread-safe.
 */
public enum ExitReason {
    /** It exited with status 0 on its own: OTP's {@code normal} (a {@code transient} child is not restarted). */
    NORMAL,
    /** It exited with a status other than 0, or died by a signal other than SIGKILL, on its own (not stopped by Pooly). */
    CRASH,
    /** A pool retired it after {@code max_uses} leases. */
    MAX_USES,
    /** Its lease was held longer than {@code lease_timeout}: the pool killed it. */
    LEASE_TIMEOUT,
    /** A request was not answered within its deadline: the pool killed it. */
    REQUEST_TIMEOUT,
    /** Its holder vanished (lease unreachable, holder threads ended, client disconnected). */
    ABANDONED,
    /** An idle overflow worker outlived {@code overflow_ttl} and was dismissed. */
    OVERFLOW_TTL,
    /** Its health check failed. */
    HEALTH,
    /** Its process tree grew past {@code max_memory}. */
    MEMORY,
    /**
     * It was SIGKILLed: by {@code pooly kill}, by a supervisor tearing its tree down, by the pool for a
     * discarded or unquiet worker, or from outside (an operator's {@code kill -9}, the kernel's OOM
     * killer). An exit status cannot tell who sent a SIGKILL, so all count here, for processes and
     * pool workers alike.
     */
    KILLED,
    /** It was stopped on purpose (stop, restart, shutdown, dismissal, reload, scale down). */
    STOPPED;

    /**
     * Why a process ended on its own, as far as its exit status tells (when Pooly did not end it for a
     * reason of its own): the one table for supervised processes and pool workers. Status 0 is
     * {@link #NORMAL}, SIGKILL {@link #KILLED}, a stop by the supervisor {@link #STOPPED}, the rest
     * {@link #CRASH}. On the ProcessBuilder launch path {@code exit(137)} reads as SIGKILL (see
     * {@link ExitStatus}).
     */
    public static ExitReason of(ExitStatus status) {
        return switch (status) {
            case ExitStatus.Exited e when e.code() == 0 -> NORMAL;
            case ExitStatus.Signaled s when s.signal() == 9 -> KILLED;
            case ExitStatus.Shutdown s -> STOPPED;
            default -> CRASH;
        };
    }

    /** The name used in status JSON, events and metric labels: {@code request_timeout}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
