package dev.pooly.examples;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The line loop every example worker shares, so that a worker is nothing but its answer: one request
 * line in on stdin, exactly one response line out on stdout, flushed at once; logs only on stderr;
 * exit status 0 when stdin ends.
 *
 * <p>Every worker takes {@code --ready} (print {@code READY} as the first stdout line once
 * initialised) and {@code --help}, plus its own {@code --NAME=VALUE} options. Anything else is a
 * usage error: exit status 64. Lines are UTF-8 whatever the locale and end with {@code \n}; a
 * {@code \r\n} ending is accepted, and a last line without a line break is still answered.
 *
 * <p>Thread-safety: a worker serves one request at a time on the main thread. There is no shutdown
 * protocol beyond stdin EOF; a signal ends the JVM the usual way.
 */
public final class LineWorker {

    /** Exit status for a bad command line (sysexits EX_USAGE). */
    public static final int EXIT_USAGE = 64;
    /** Exit status when a responder fails (sysexits EX_SOFTWARE): the worker crashes, it never answers garbage. */
    public static final int EXIT_SOFTWARE = 70;
    /** Exit status when stdin or stdout fails (sysexits EX_IOERR), e.g. whoever read stdout went away. */
    public static final int EXIT_IO_ERROR = 74;

    /** Answers one request line with one response line; the response must not contain a line break. */
    @FunctionalInterface
    public interface Responder {
        /** Returns the response to {@code request}; any exception crashes the worker. */
        String respond(String request) throws Exception;
    }

    /** Builds a worker's responder from its options; runs once, before {@code READY} is printed. */
    @FunctionalInterface
    public interface Setup {
        /** Initialises the worker; any exception crashes it before it is ready. */
        Responder start(WorkerOptions options) throws Exception;
    }

    private LineWorker() {
    }

    /**
     * Runs {@code worker}'s line loop on this process's stdin and stdout until stdin ends, then
     * returns (status 0); on a usage error or a failure it exits the JVM with a non-zero status.
     *
     * @param worker      the main class, for logs and usage
     * @param args        the command line
     * @param optionNames the worker's own options, each mapped to the placeholder shown in usage
     * @param setup       builds the responder
     */
    public static void run(Class<?> worker, String[] args, Map<String, String> optionNames, Setup setup) {
        // Keep the real stdout for the protocol and point System.out at stderr: a stray println
        // anywhere in this JVM then lands in the logs instead of corrupting a response line.
        OutputStream protocolOut = new FileOutputStream(FileDescriptor.out);
        System.setOut(System.err);
        int status = serve(worker, args, optionNames, setup, System.in, protocolOut);
        if (status != 0) {
            System.exit(status);
        }
    }

    private static int serve(Class<?> worker, String[] args, Map<String, String> optionNames, Setup setup,
                             InputStream stdin, OutputStream stdout) {
        Writer out = new BufferedWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8));
        boolean ready;
        Responder responder;
        try {
            WorkerOptions options = WorkerOptions.parse(args, optionNames.keySet());
            if (options.help()) {
                writeLine(out, usage(worker, optionNames));
                return 0;
            }
            // Setup reads the worker's own options, so a bad value surfaces here too.
            responder = setup.start(options);
            ready = options.ready();
        } catch (WorkerOptions.BadOptionException e) {
            log(worker, e.getMessage());
            System.err.println(usage(worker, optionNames));
            return EXIT_USAGE;
        } catch (IOException e) {
            return ioFailure(worker, e);
        } catch (Exception e) {
            return crash(worker, "failed to start", e);
        }
        log(worker, "started");

        BufferedReader in = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
        try {
            if (ready) {
                writeLine(out, "READY");
            }
            for (String request; (request = in.readLine()) != null; ) {
                String response;
                try {
                    response = oneLine(responder.respond(request));
                } catch (Exception e) {
                    return crash(worker, "failed to answer a request", e);
                }
                writeLine(out, response);
            }
        } catch (IOException e) {
            return ioFailure(worker, e);
        }
        log(worker, "stdin closed, exiting");
        return 0;
    }

    /** Logs one line on stderr, prefixed with the worker's name and pid, syslog style. */
    static void log(Class<?> worker, String message) {
        System.err.println(worker.getSimpleName().toLowerCase(Locale.ROOT)
                + "[" + ProcessHandle.current().pid() + "]: " + message);
    }

    private static void writeLine(Writer out, String line) throws IOException {
        out.write(line);
        out.write('\n');
        // Flush per line: the caller is blocked on exactly this response.
        out.flush();
    }

    private static String oneLine(String response) {
        if (response == null) {
            throw new IllegalStateException("the responder returned null; a response is a line, possibly empty");
        }
        if (response.indexOf('\n') >= 0 || response.indexOf('\r') >= 0) {
            throw new IllegalStateException("the responder returned a line break; a response must be exactly one line");
        }
        return response;
    }

    private static int crash(Class<?> worker, String what, Exception e) {
        log(worker, what + ", crashing: " + e);
        e.printStackTrace();
        return EXIT_SOFTWARE;
    }

    private static int ioFailure(Class<?> worker, IOException e) {
        log(worker, "stdin/stdout failed, exiting: " + e);
        return EXIT_IO_ERROR;
    }

    private static String usage(Class<?> worker, Map<String, String> optionNames) {
        StringBuilder usage = new StringBuilder("usage: java -cp worker-examples.jar ")
                .append(worker.getName()).append(" [--ready]");
        new TreeMap<>(optionNames).forEach((name, placeholder) ->
                usage.append(" [--").append(name).append('=').append(placeholder).append(']'));
        return usage.toString();
    }
}
