package dev.pooly.supervisor;

/**
 * When a child that stopped is started again, as in OTP.
 * <ul>
 *   <li>{@link #PERMANENT}: always.</li>
 *   <li>{@link #TRANSIENT}: only after an abnormal exit (non-zero status, or a signal the
 *   supervisor did not send).</li>
 *   <li>{@link #TEMPORARY}: never, not even when a sibling's failure restarts the others.</li>
 * </ul>
 * Immutable and thread-safe.
 */
public enum RestartType {
    PERMANENT, TRANSIENT, TEMPORARY;

    /** Whether a child of this type is restarted after it exited for {@code reason}. */
    public boolean restartsAfter(ExitStatus reason) {
        return switch (this) {
            case PERMANENT -> true;
            case TRANSIENT -> reason.abnormal();
            case TEMPORARY -> false;
        };
    }
}
