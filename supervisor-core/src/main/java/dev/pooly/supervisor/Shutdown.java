package dev.pooly.supervisor;

import java.time.Duration;
import java.util.Objects;

/**
 * How a child is stopped, as in OTP's shutdown spec. For a process, stopping always covers its
 * whole process group and every descendant still alive. Every kind is an immutable record,
 * thread-safe to share.
 */
public sealed interface Shutdown {

    /** SIGKILL at once. For a supervisor or service: torn down without waiting. Immutable. */
    record BrutalKill() implements Shutdown {
        @Override public String toString() { return "brutal_kill"; }
    }

    /** SIGTERM, wait up to {@code timeout} for the exit, then SIGKILL. Immutable. */
    record Graceful(Duration timeout) implements Shutdown {
        public Graceful {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative()) throw new IllegalArgumentException("shutdown timeout is negative: " + timeout);
        }
        @Override public String toString() { return timeout.toMillis() + "ms"; }
    }

    /** SIGTERM and wait as long as it takes (OTP's {@code infinity}, meant for nested supervisors). Immutable. */
    record Infinity() implements Shutdown {
        @Override public String toString() { return "infinity"; }
    }

    static Shutdown brutalKill() { return new BrutalKill(); }
    static Shutdown graceful(Duration timeout) { return new Graceful(timeout); }
    static Shutdown infinity() { return new Infinity(); }

    /** The default for processes, as in the contract: SIGTERM, then SIGKILL after five seconds. */
    Shutdown DEFAULT = new Graceful(Duration.ofSeconds(5));
}
