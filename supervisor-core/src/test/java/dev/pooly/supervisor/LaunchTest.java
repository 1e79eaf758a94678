package dev.pooly.supervisor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What a launched process gets from its spec, whichever launch path is in force (this class also runs
 * in the surefire execution with {@code -Dpooly.launcher=jdk}): the daemon's environment with the
 * spec's variables replacing the daemon's own, its working directory, and its command found on PATH
 * as it is now, even after the launcher has found it elsewhere before.
 */
class LaunchTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir Path dir;
    private Supervisor supervisor;

    @BeforeEach
    void start() {
        // One template; each test changes what it needs through startChildWith.
        supervisor = SupervisionTree.start(SupervisorSpec.dynamic("launch", Intensity.of(100, Duration.ofSeconds(1)),
                ProcessSpec.of("probe", "sh", "-c", "true").withStdio(Stdio.CHANNEL).withRestart(RestartType.TEMPORARY)));
    }

    @AfterEach
    void stop() throws Exception {
        supervisor.shutdown().get(20, TimeUnit.SECONDS);
    }

    @Test
    void theSpecsVariablesReplaceTheDaemonsOwnAndTheRestPassThrough() throws Exception {
        Map.Entry<String, String> kept = System.getenv().entrySet().stream()
                .filter(e -> !e.getKey().equals("HOME") && !e.getKey().equals("PATH") && !e.getValue().contains("\n"))
                .findFirst().orElseThrow(() -> new IllegalStateException("the test JVM has no environment to pass on"));

        List<String> env = output(s -> command(s, "env").withEnv(Map.of("HOME", "/pooly/launch-test", "POOLY_LAUNCH_TEST", "x=y z")));

        assertThat(env.stream().filter(l -> l.startsWith("HOME=")))
                .as("one HOME, the spec's").containsExactly("HOME=/pooly/launch-test");
        assertThat(env).contains("POOLY_LAUNCH_TEST=x=y z", kept.getKey() + "=" + kept.getValue());
    }

    @Test
    void aProcessRunsInTheDaemonsDirectoryUnlessItsSpecNamesOne() throws Exception {
        Path daemons = Path.of("").toAbsolutePath().toRealPath();

        assertThat(output(s -> command(s, "pwd", "-P"))).containsExactly(daemons.toString());
        assertThat(output(s -> command(s, "pwd", "-P").withCwd(dir))).containsExactly(dir.toRealPath().toString());
    }

    @Test
    void aCommandIsLookedUpOnPathAgainWhenItIsNoLongerWhereItWasFound() throws Exception {
        Path first = Files.createDirectory(dir.resolve("first")), second = Files.createDirectory(dir.resolve("second"));
        UnaryOperator<ProcessSpec> tool = s -> command(s, "pooly-launch-tool")
                .withEnv(Map.of("PATH", first + ":" + second + ":/usr/bin:/bin"));
        Path old = script(first.resolve("pooly-launch-tool"), "echo first");
        assertThat(output(tool)).containsExactly("first");

        Files.delete(old);
        script(second.resolve("pooly-launch-tool"), "echo second");
        assertThat(output(tool)).containsExactly("second");

        Files.delete(second.resolve("pooly-launch-tool"));
        assertThatThrownBy(() -> supervisor.startChildWith(tool).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(ChildStartException.class)
                .hasMessageContaining("executable 'pooly-launch-tool' not found on PATH");
    }

    /** Starts one child as {@code customize} says and returns its stdout's lines, read to EOF. */
    private List<String> output(UnaryOperator<ProcessSpec> customize) throws Exception {
        ProcessChild child = supervisor.startChildWith(customize).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        try (InputStream out = child.stdout()) {
            String text = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            return Arrays.asList(text.split("\n"));
        }
    }

    /** {@code s} running {@code argv} instead. */
    private static ProcessSpec command(ProcessSpec s, String... argv) {
        return new ProcessSpec(s.id(), List.of(argv), s.env(), s.cwd(), s.restart(), s.shutdown(), s.readiness(), s.stdio(),
                s.logs(), s.backoff(), s.health(), s.maxMemory());
    }

    private static Path script(Path path, String body) throws IOException {
        Files.writeString(path, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
        return path;
    }
}
