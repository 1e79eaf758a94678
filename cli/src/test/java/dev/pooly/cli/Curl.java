package dev.pooly.cli;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** curl on a daemon's HTTP socket ({@code pooly-http.sock} in the daemon's directory), as a user's script would run it. */
final class Curl {
    private Curl() {}

    /** curl with {@code args}: the HTTP status, a space, then the body. */
    static String call(Path dir, String... args) throws Exception {
        return writing(dir, "%{http_code} ", args);
    }

    /** curl with {@code args}: what {@code -w writeOut} prints, then the body. */
    static String writing(Path dir, String writeOut, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--unix-socket", "pooly-http.sock", "-w", writeOut, "-o", "body.out"));
        command.addAll(List.of(args));
        return run(dir, command) + Files.readString(dir.resolve("body.out"));
    }

    /** Runs a client {@code command} in {@code dir} to its end: its stdout, or a failure naming its exit and stderr. */
    static String run(Path dir, List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectError(dir.resolve("client.err").toFile()).start();
        p.getOutputStream().close();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(p.waitFor(DaemonProcess.PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("%s ended", command).isTrue();
        assertThat(p.exitValue()).as("%s exited; stderr: %s", command, Files.readString(dir.resolve("client.err"))).isZero();
        return out;
    }
}
