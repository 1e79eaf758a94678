package dev.pooly.cli;

/** A command failed with a message for the user and one of the contract's {@link ExitCode}s. */
public final class CliException extends RuntimeException {
    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() { return exitCode; }
}
