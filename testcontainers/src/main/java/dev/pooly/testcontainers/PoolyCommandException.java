package dev.pooly.testcontainers;

/**
 * A {@code pooly} client command run by {@link PoolyContainer} exited non-zero. The exit code is the
 * contract's (sysexits): 1 failure, 64 usage, 65 invalid config, 69 daemon unreachable or unknown
 * pool or id, 75 pool full or checkout timed out. Immutable.
 */
public final class PoolyCommandException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;
    private final String stderr;

    public PoolyCommandException(String command, int exitCode, String stderr) {
        super(command + " exited " + exitCode + (stderr.isBlank() ? "" : ": " + stderr.strip()));
        this.exitCode = exitCode;
        this.stderr = stderr;
    }

    /** The command's exit status. */
    public int exitCode() {
        return exitCode;
    }

    /** What the command printed on stderr, e.g. {@code pooly: no pool named 'x'; pools: [upper]}. */
    public String stderr() {
        return stderr;
    }
}
