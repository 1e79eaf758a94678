package dev.pooly.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A worker started as a real OS process, driven line by line as a pool would: requests on its stdin,
 * responses read from its stdout by a background reader, stderr kept in a file for assertions.
 * Every wait is bounded by {@link #TIMEOUT}. Closing it kills the process if it is still alive.
 * Driven by one test thread at a time.
 */
final class WorkerProcess implements AutoCloseable {

    /** Generous, for a slow CI machine starting a JVM; only failures ever wait this long. */
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final Writer stdin;
    private final Path stderr;
    // Empty marks stdout's EOF; a reader thread fills this so a test can wait with a timeout.
    private final BlockingQueue<Optional<String>> stdout = new LinkedBlockingQueue<>();
    private boolean stdoutEnded;

    private WorkerProcess(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
        this.stdin = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        Thread.ofVirtual().name("stdout-of-" + process.pid()).start(this::readStdout);
    }

    /** Starts the example worker {@code main} with the JDK running this test. */
    static WorkerProcess java(Class<?> main, String... args) {
        return start(javaCommand(main, args));
    }

    /** The command line that runs the example worker {@code main} with the JDK running this test. */
    static List<String> javaCommand(Class<?> main, String... args) {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-cp", classesOf(main), main.getName()));
        command.addAll(List.of(args));
        return command;
    }

    static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** Where {@code main} was loaded from: target/classes under Maven. */
    static String classesOf(Class<?> main) {
        try {
            return Path.of(main.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static WorkerProcess start(List<String> command) {
        return start(new ProcessBuilder(command));
    }

    /** Starts {@code builder}'s command; its stdout and stderr redirects are replaced. */
    static WorkerProcess start(ProcessBuilder builder) {
        try {
            Path stderr = Files.createTempFile("worker-", ".stderr");
            builder.redirectOutput(ProcessBuilder.Redirect.PIPE).redirectError(stderr.toFile());
            return new WorkerProcess(builder.start(), stderr);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + builder.command(), e);
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Writes one request line and flushes it. */
    void send(String request) {
        try {
            stdin.write(request);
            stdin.write('\n');
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to worker " + pid() + "; stderr: " + stderr(), e);
        }
    }

    /** Writes raw text, for requests without a trailing line break or with \r\n. */
    void sendRaw(String text) {
        try {
            stdin.write(text);
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends {@code request} and returns the response line. */
    String call(String request) {
        send(request);
        String response = receive();
        assertThat(response).as("response to %s; stderr: %s", abbreviate(request), stderr()).isNotNull();
        return response;
    }

    /** The next stdout line, or null once stdout has ended; fails if neither comes within {@link #TIMEOUT}. */
    String receive() {
        Optional<String> next = poll(TIMEOUT);
        if (next == null) {
            fail("no line from worker %d within %s; stderr: %s", pid(), TIMEOUT, stderr());
        }
        return next.orElse(null);
    }

    /** Asserts that nothing, not even EOF, comes on stdout for {@code quiet}. */
    void assertSilentFor(Duration quiet) {
        // A bounded wait for an absence: there is no event to wait for instead.
        assertThat(poll(quiet)).as("stdout of worker %d", pid()).isNull();
    }

    /** Every remaining stdout line, up to EOF. */
    List<String> receiveAll() {
        List<String> lines = new ArrayList<>();
        for (String line; (line = receive()) != null; ) {
            lines.add(line);
        }
        return lines;
    }

    /** Closes the worker's stdin: the EOF that tells a well-behaved worker to exit. */
    void closeStdin() {
        try {
            stdin.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for the worker to exit and returns its status; fails if it is still running after {@link #TIMEOUT}. */
    int awaitExit() {
        try {
            if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                fail("worker %d still running after %s; stderr: %s", pid(), TIMEOUT, stderr());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return process.exitValue();
    }

    /** Everything the worker wrote on stderr so far. */
    String stderr() {
        try {
            return Files.readString(stderr);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException, IOException {
        try {
            process.destroyForcibly();
            process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            Files.deleteIfExists(stderr);
        }
    }

    static String abbreviate(String text) {
        return text.length() <= 40 ? "'" + text + "'" : "'" + text.substring(0, 40) + "...' (" + text.length() + " chars)";
    }

    // Optional.of(line), Optional.empty() at EOF (and ever after), or null when nothing came in time.
    private Optional<String> poll(Duration timeout) {
        if (stdoutEnded) {
            return Optional.empty();
        }
        try {
            Optional<String> next = stdout.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (next != null && next.isEmpty()) {
                stdoutEnded = true;
            }
            return next;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void readStdout() {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                stdout.add(Optional.of(line));
            }
        } catch (IOException e) {
            // The stream is closed when the process is destroyed; that is the end of stdout too.
        } finally {
            stdout.add(Optional.empty());
        }
    }
}
