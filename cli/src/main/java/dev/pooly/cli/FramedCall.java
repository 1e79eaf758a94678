package dev.pooly.cli;

import dev.pooly.cli.client.ControlClient;
import dev.pooly.cli.client.Messages;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code pooly call} on a pool with a framing (contract section 5), or with {@code --input} or
 * {@code --null}: each request goes as one frame, each answer's payload is printed followed by a
 * newline ({@code --null}: a NUL). Requests: REQUEST as text; {@code --input FILE} a file's bytes
 * ({@code -}: all of stdin) as one frame; {@code --null} stdin split at NUL bytes, binary-safe;
 * otherwise each line of stdin. On a {@code line} pool a frame is a line. An {@code --input} over the
 * pool's {@code max} (a file's size, or stdin once {@code max} bytes have passed) is refused with 64
 * before it is sent or read to its end; the lease is checked in unused.
 *
 * <p>Threads as in {@link CallCommand}: requests are sent from a daemon thread while this one prints.
 */
final class FramedCall {
    private FramedCall() {}

    static void run(ControlClient client, String pool, String framing, long max, String request, Path input, boolean nul,
                    InputStream stdin, OutputStream stdout, PrintWriter out) {
        boolean linePool = "line".equals(framing);
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        Thread.ofPlatform().daemon(true).name("pooly-call-stdin").start(() -> {
            try {
                if (request != null) {
                    client.send(text(linePool, request), true);
                } else if (input != null) {
                    byte[] bytes = read(input, stdin, max + (linePool ? 1 : 0)); // a line pool's file may end in its newline
                    if (bytes == null) {
                        failure.compareAndSet(null, new CliException(ExitCode.USAGE, ("-".equals(input.toString()) ? "stdin holds" : input + " is")
                                + " more than pool " + pool + "'s frame max of " + max + " bytes (framing " + framing
                                + "); it was refused and reached no worker"));
                    } else {
                        client.send(binary(linePool, bytes), true);
                    }
                } else if (nul) {
                    InputStream in = new BufferedInputStream(stdin, 64 * 1024);
                    ByteArrayOutputStream frame = new ByteArrayOutputStream();
                    int b;
                    while ((b = in.read()) >= 0 && failure.get() == null) {
                        if (b != 0) {
                            frame.write(b);
                            continue;
                        }
                        client.send(binary(linePool, frame.toByteArray()), in.available() == 0);
                        frame.reset();
                    }
                    if (frame.size() > 0) client.send(binary(linePool, frame.toByteArray()), true); // a last request without its NUL
                } else {
                    BufferedReader in = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8), 64 * 1024);
                    String line;
                    while ((line = in.readLine()) != null && failure.get() == null) client.send(text(linePool, line), !in.ready());
                }
                client.send(Messages.of("op", "checkin"), true);
            } catch (IOException | RuntimeException e) {
                failure.compareAndSet(null, e instanceof CliException c ? c
                        : new CliException(e instanceof IOException && input != null ? ExitCode.USAGE : ExitCode.FAILURE,
                                (input != null ? "cannot read " + input + ": " : "cannot send to the daemon: ") + e.getMessage()));
                client.close();
            }
        });
        out.flush();
        try {
            while (true) {
                Map<String, Object> message = client.receive();
                byte[] answer;
                if (message.get("frame") instanceof String t) answer = t.getBytes(StandardCharsets.UTF_8);
                else if (message.get("line") instanceof String t) answer = t.getBytes(StandardCharsets.UTF_8);
                else if (message.get("frame_base64") instanceof String b) answer = Base64.getDecoder().decode(b);
                else {
                    stdout.flush();
                    ControlClient.expectOk(message);
                    break;
                }
                stdout.write(answer);
                stdout.write(nul ? 0 : '\n');
                if (!client.ready()) stdout.flush();
            }
        } catch (IOException e) {
            failure.compareAndSet(null, new CliException(ExitCode.FAILURE, "cannot write the answer: " + e.getMessage()));
        } catch (RuntimeException e) {
            failure.set(e); // the daemon's explanation wins over the sender's "cannot send"
        }
        try {
            stdout.flush();
        } catch (IOException ignored) {
            // Reported above if it mattered.
        }
        if (failure.get() != null) throw failure.get();
    }

    /** {@code input}'s bytes, or null when there are more than {@code limit}: a file by its size, stdin read no further than that. */
    private static byte[] read(Path input, InputStream stdin, long limit) throws IOException {
        int cap = (int) Math.min(Integer.MAX_VALUE - 8, limit);
        if ("-".equals(input.toString())) {
            byte[] bytes = stdin.readNBytes(cap + 1);
            return bytes.length > limit ? null : bytes;
        }
        if (Files.size(input) > limit) return null;
        return Files.readAllBytes(input);
    }

    private static Map<String, Object> text(boolean linePool, String text) {
        return Messages.of(linePool ? "line" : "frame", text);
    }

    private static Map<String, Object> binary(boolean linePool, byte[] bytes) {
        if (!linePool) return Messages.of("frame_base64", Base64.getEncoder().encodeToString(bytes));
        String text = new String(bytes, StandardCharsets.UTF_8);
        return Messages.of("line", text.endsWith("\n") ? text.substring(0, text.length() - 1) : text); // a file's last newline ends its line
    }
}
