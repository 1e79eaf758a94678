package dev.pooly.supervisor;

/** A child could not be started: its executable is missing, it died before it was ready, readiness timed out... Thread-safe: its fields are set once, at construction. */
public class ChildStartException extends RuntimeException {
    private final String childId;

    public ChildStartException(String childId, String message, Throwable cause) {
        super(message, cause);
        this.childId = childId;
    }

    public ChildStartException(String childId, String message) {
        this(childId, message, null);
    }

    public String childId() { return childId; }
}
