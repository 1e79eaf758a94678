package dev.pooly.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * What one run of the {@code pooly} command line did: its exit code and what it printed. Made either
 * in this JVM through {@link Pooly#commandLine} ({@link #inProcess}, {@link #inProcessWithInput}) or by a real {@code pooly}
 * process ({@link DaemonProcess#cli}). Immutable.
 */
record CliRun(int exit, String out, String err) {

    /** Runs {@code pooly args...} in this JVM with {@code stdin} as its standard input. */
    static CliRun inProcessWithInput(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Pooly.commandLine(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), out, err).execute(args);
        return new CliRun(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static CliRun inProcess(String... args) {
        return inProcessWithInput("", args);
    }

    /** For assertion messages: everything a failing test needs to see. */
    @Override public String toString() {
        return "exit " + exit + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
    }
}
