package dev.pooly.cli;

import dev.pooly.cli.client.ControlClient;
import dev.pooly.cli.client.Messages;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code pooly call POOL [REQUEST]}: one lease for the whole call. Request lines are sent as they
 * are read and answers printed as they arrive (pipelined, in order), so a long stdin costs a pipe
 * round trip per line, not a connection.
 */
@Command(name = "call", mixinStandardHelpOptions = true,
        description = {"Sends requests to a worker of POOL and prints its answers in order.",
                "Checks out a worker, writes the request (REQUEST, or each line of stdin in turn, pipelined),",
                "prints each answer, and checks the worker in. Exit 1 if the worker dies mid-call or answers a bad frame.",
                "On a pool with a framing (until, json, packet, content_length, nul) each request is one frame and each",
                "answer's payload is printed followed by a newline (with -0: a NUL); -0 splits stdin at NUL bytes,",
                "--input FILE sends a whole file as one frame. A request the framing cannot carry exits 64."},
        footerHeading = "%nExamples:%n", footer = {"  pooly call upper hello -c pooly.yaml", "  seq 1 1000 | pooly call upper -c pooly.yaml",
                "  pooly call upper --no-wait hi -c pooly.yaml   # exit 75 if the pool is full",
                "  pooly call sql 'select * from t;' -c pooly.yaml   # until: every row of the answer",
                "  pooly call bin --input image.png -c pooly.yaml > out.bin",
                "  printf 'a\\0b\\0' | pooly call nulpool -0 -c pooly.yaml"})
final class CallCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @ParentCommand Pooly pooly;
    @Mixin SocketOptions socket;
    @Mixin LeaseOptions lease;

    @Parameters(index = "0", paramLabel = "POOL", description = "The pool's name.")
    String pool;

    // The same option, field and wire name as the daemon's branch (issue 9) adds, so the two merge as one.
    @Option(names = "--request-timeout", paramLabel = "D", converter = DurationConverter.class,
            description = "A request not answered within D: the worker is killed and replaced, and the call exits 75 (0s: no limit).")
    Duration requestTimeout;

    @Parameters(index = "1", arity = "0..1", paramLabel = "REQUEST", description = "One request line; without it, stdin is read line by line.")
    String request;

    @Option(names = "--input", paramLabel = "FILE",
            description = "Send FILE's bytes as one request frame ('-': all of stdin); the answer is printed as it came.")
    java.nio.file.Path input;

    @Option(names = {"-0", "--null"},
            description = "Requests on stdin are separated by NUL bytes, and each answer is followed by a NUL: binary-safe.")
    boolean nul;

    @Override public Integer call() {
        return run(spec.commandLine().getOut());
    }

    /** Runs the command with its answers on {@code out}, for picocli and for {@link FastPath}. */
    int run(PrintWriter out) {
        try (ControlClient client = ControlClient.connect(socket.resolve())) {
            Map<String, Object> lease = this.lease.request(pool, "lines");
            if (requestTimeout != null && !requestTimeout.isZero()) lease.put("request_timeout_ms", Math.max(1, requestTimeout.toMillis()));
            Map<String, Object> leased = client.call(lease);
            Object framing = leased.getOrDefault("framing", "line");
            if (input != null || nul || !"line".equals(framing)) {
                // A framed pool (or a binary-safe mode): one frame per request, payloads printed as they came.
                long max = leased.get("max") instanceof Number n ? n.longValue() : Long.MAX_VALUE;
                FramedCall.run(client, pool, String.valueOf(framing), max, request, input, nul, pooly.stdin, pooly.stdout, out);
                return ExitCode.OK;
            }
            AtomicReference<RuntimeException> failure = new AtomicReference<>();
            // The answers are printed on this thread. stdin is read on a daemon thread of its own: when the
            // worker dies mid-call the printing ends, and the command must end with it, not wait for the
            // next line a terminal user may never type. Platform threads, not virtual ones: the first
            // virtual thread starts the JDK's scheduler and pollers, a cost a short-lived client does not repay.
            Thread.ofPlatform().daemon(true).name("pooly-call-stdin").start(() -> {
                try {
                    if (request != null) {
                        client.send(line(request), false);
                    } else {
                        BufferedReader in = new BufferedReader(new InputStreamReader(pooly.stdin, StandardCharsets.UTF_8), 64 * 1024);
                        String text;
                        while ((text = in.readLine()) != null && failure.get() == null) {
                            // Flush at the end of each burst of input: batches piped input, keeps typed lines prompt.
                            client.send(line(text), !in.ready());
                        }
                    }
                    client.send(Messages.of("op", "checkin"), true);
                } catch (IOException | RuntimeException e) {
                    // The printer reports the daemon's explanation, or the lost connection.
                    failure.compareAndSet(null, new CliException(ExitCode.FAILURE, "cannot send to the daemon: " + e.getMessage()));
                    client.close();
                }
            });
            print(client, out, failure);
            if (failure.get() != null) throw failure.get();
        }
        return ExitCode.OK;
    }

    private static Map<String, Object> line(String text) {
        return Messages.of("line", text);
    }

    /**
     * Prints answers until the daemon ends the session. {@code print} and a '\n' rather than
     * {@code println}: the command line's writer flushes on every println, and one write to stdout
     * per answer is most of a pipelined call's cost per line; it is flushed at the end of each burst.
     */
    private static void print(ControlClient client, PrintWriter out, AtomicReference<RuntimeException> failure) {
        try {
            while (true) {
                Map<String, Object> message = client.receive();
                if (message.get("line") instanceof String answer) {
                    out.print(answer);
                    out.print('\n');
                    if (!client.ready()) out.flush();
                } else {
                    out.flush();
                    ControlClient.expectOk(message);
                    return;
                }
            }
        } catch (RuntimeException e) {
            out.flush();
            // The daemon's explanation (or the lost connection) wins over the stdin thread's "cannot send".
            failure.set(e);
        }
    }
}
