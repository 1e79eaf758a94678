package dev.pooly.distribution;

import dev.pooly.cli.Pooly;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tarball as a user gets it. We test this by unpacking target/pooly-VERSION.tar.gz with the
 * real {@code tar} into a temporary directory outside the repository, and running its
 * {@code bin/pooly} there with a PATH that holds every program of /usr/bin and /bin except Maven's,
 * JAVA_HOME the JDK running this test, and HOME and the class-data archive in the temporary directory.
 */
class DistributionIT {
    private static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();
    private static final Path TARBALL = Path.of("target", "pooly-" + System.getProperty("pooly.version") + ".tar.gz").toAbsolutePath();
    private static final String JAVA_HOME = Path.of(ProcessHandle.current().info().command().orElseThrow()).getParent().getParent().toString();
    /** Generous: a shared 2-core machine starting JVMs; only a failure waits this long. */
    private static final Duration PATIENCE = Duration.ofSeconds(90);

    private Path tmp;
    private Path home;
    private Path tools;
    private Process daemon;

    @BeforeEach
    void unpack() throws Exception {
        tmp = Files.createTempDirectory("pooly-dist-").toRealPath();
        assertThat(tmp.startsWith(REPOSITORY)).as("%s is outside %s", tmp, REPOSITORY).isFalse();
        assertThat(TARBALL).exists();
        Result untar = run(tmp, List.of("tar", "xzf", TARBALL.toString()), Map.of());
        assertThat(untar.exit()).as(untar.toString()).isZero();
        home = tmp.resolve("pooly-" + System.getProperty("pooly.version"));
        tools = Files.createDirectories(tmp.resolve("tools"));
        // Every program of the system except Maven, and the test's java for the example's Java workers.
        for (String dir : List.of("/usr/bin", "/bin")) {
            try (Stream<Path> programs = Files.list(Path.of(dir))) {
                for (Path program : programs.toList()) {
                    String name = program.getFileName().toString();
                    if (name.startsWith("mvn") || name.equals("java") || Files.exists(tools.resolve(name), java.nio.file.LinkOption.NOFOLLOW_LINKS)) continue;
                    Files.createSymbolicLink(tools.resolve(name), program);
                }
            }
        }
        Files.createSymbolicLink(tools.resolve("java"), Path.of(JAVA_HOME, "bin", "java"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (daemon != null && daemon.isAlive()) {
            daemon.destroy();
            if (!daemon.waitFor(30, TimeUnit.SECONDS)) daemon.destroyForcibly().waitFor();
        }
        try (Stream<Path> files = Files.walk(tmp)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        }
    }

    @Test
    void unpackedTarballValidatesRunsCallsAndShutsDownWithoutMavenOrTheSourceTree() throws Exception {
        assertThat(run(home, List.of("sh", "-c", "command -v mvn || echo none"), Map.of()).out()).isEqualTo("none\n");

        Result validate = pooly("validate", "-c", "config/examples/pooly.yaml");
        assertThat(validate.exit()).as(validate.toString()).isZero();
        assertThat(validate.out()).contains("config/examples/pooly.yaml: ok");

        ProcessBuilder daemonBuilder = new ProcessBuilder(home.resolve("bin/pooly").toString(), "daemon", "-c", "config/examples/pooly.yaml")
                .directory(home.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(tmp.resolve("daemon.out").toFile()).redirectError(tmp.resolve("daemon.err").toFile());
        environment(daemonBuilder);
        daemon = daemonBuilder.start();
        Awaitility.await().atMost(PATIENCE).pollInterval(Duration.ofMillis(250))
                .failFast("the daemon exited", () -> !daemon.isAlive())
                .until(() -> pooly("status", "--json", "-c", "config/examples/pooly.yaml").out().contains("\"idle\" : 2"));

        // Completion asks this daemon (named by the command line's -c) for its pools and node ids.
        assertThat(complete("bin/pooly", "call", "-c", "config/examples/pooly.yaml", "")).containsExactly("upper", "chuck", "shout");
        assertThat(complete("bin/pooly", "scale", "--config", "=", "config/examples/pooly.yaml", "sh")).containsExactly("shout");
        assertThat(complete("bin/pooly", "checkout", "--config=config/examples/pooly.yaml", "--no-wait", "c")).containsExactly("chuck");
        assertThat(complete("bin/pooly", "kill", "-c", "config/examples/pooly.yaml", ""))
                .contains("root", "clock", "pools", "upper", "chuck", "shout").doesNotContain("");
        assertThat(complete("bin/pooly", "call", "-c", "config/examples/pooly.yaml", "upper", "")).isEmpty();
        Result badNames = pooly("status", "--names", "workers", "-c", "config/examples/pooly.yaml");
        assertThat(badNames.exit()).as(badNames.toString()).isEqualTo(64);
        assertThat(badNames.err()).contains("--names takes 'pools' or 'nodes', not 'workers'");

        Result call = pooly("call", "upper", "hello from the tarball", "-c", "config/examples/pooly.yaml");
        assertThat(call.exit()).as(call.toString()).isZero();
        assertThat(call.out()).isEqualTo("HELLO FROM THE TARBALL\n");
        Result script = poolyWithInput("one\ntwo\n", "call", "shout", "-c", "config/examples/pooly.yaml");
        assertThat(script.exit()).as(script.toString()).isZero();
        assertThat(script.out()).isEqualTo("ONE\nTWO\n");

        Result shutdown = pooly("shutdown", "-c", "config/examples/pooly.yaml");
        assertThat(shutdown.exit()).as(shutdown.toString()).isZero();
        assertThat(daemon.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("the daemon exits after shutdown").isTrue();
        assertThat(daemon.exitValue()).as(Files.readString(tmp.resolve("daemon.err"))).isZero();
        assertThat(Files.readString(tmp.resolve("daemon.err"))).doesNotContain("SLF4J");
    }

    @Test
    void manPagesAndCompletionCoverEveryCommand() throws Exception {
        Set<String> commands = Pooly.commandLine(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(), new ByteArrayOutputStream())
                .getSubcommands().keySet();
        assertThat(commands).contains("daemon", "validate", "status", "call", "checkout", "start", "stop", "restart", "kill", "shutdown");

        Path man = home.resolve("share/man/man1");
        assertThat(man.resolve("pooly.1")).content().contains(".TH \"POOLY\"").contains(".SH \"EXIT CODES").contains(".SH \"EXAMPLES:\"")
                .contains("64", "65", "69", "75");
        String completion = Files.readString(home.resolve("share/bash-completion/completions/pooly"));
        for (String command : commands) {
            assertThat(man.resolve("pooly-" + command + ".1")).as("man page of pooly %s", command).exists()
                    .content().contains("pooly " + command);
            if (!command.equals("help")) {
                assertThat(man.resolve("pooly-" + command + ".1")).as("man page of pooly %s", command).content()
                        .containsPattern("\\.SH \"EXAMPLES?:\"\\R(.*\\R)*?.*pooly " + command);
            }
            assertThat(completion).as("completion of pooly %s", command).contains("_picocli_pooly_" + command + "()");
        }
        // No daemon runs here: completing a pool name offers nothing and prints nothing.
        assertThat(complete("bin/pooly", "call", "-c", "config/examples/pooly.yaml", "")).isEmpty();
        assertThat(complete("bin/pooly", "ca")).containsExactly("call");
        // The example names the schema relative to itself, as in the source tree.
        assertThat(home.resolve("config/examples/pooly.yaml")).content().startsWith("# yaml-language-server: $schema=../pooly.schema.json\n");
        assertThat(home.resolve("config/pooly.schema.json")).content().contains("\"$schema\"");
    }

    /**
     * What bash's completion offers for {@code words} (the last is the word being completed), from the
     * tarball's script as bash-completion would call it; fails if the script wrote to stderr.
     */
    private List<String> complete(String... words) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", "-c", """
                source share/bash-completion/completions/pooly
                # compopt works only inside a completion bash itself started; here it has nothing to set.
                compopt() { :; }
                COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
                _complete_pooly bin/pooly "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
                for word in "${COMPREPLY[@]}"; do echo "$word"; done
                """, "bash"));
        command.addAll(List.of(words));
        // The script gives the daemon 2 s by default; a loaded machine starting a JVM may need more.
        Result result = run(home, command, Map.of("POOLY_COMPLETION_TIMEOUT", "60"));
        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.err()).as(result.toString()).isEmpty();
        return result.out().lines().toList();
    }

    private Result pooly(String... args) throws Exception {
        return poolyWithInput(null, args);
    }

    private Result poolyWithInput(String stdin, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/pooly").toString()));
        command.addAll(List.of(args));
        return run(home, command, Map.of(), stdin);
    }

    private void environment(ProcessBuilder builder) {
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("POOLY_") || k.startsWith("MAVEN") || k.equals("JDK_JAVA_OPTIONS"));
        env.put("PATH", tools.toString());
        env.put("JAVA_HOME", JAVA_HOME);
        env.put("HOME", tmp.resolve("user-home").toString());
        env.remove("XDG_CACHE_HOME");
    }

    private Result run(Path dir, List<String> command, Map<String, String> extra) throws Exception {
        return run(dir, command, extra, null);
    }

    private Result run(Path dir, List<String> command, Map<String, String> extra, String stdin) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        if (tools != null) environment(builder);
        builder.environment().putAll(extra);
        Path in = Files.createTempFile(tmp, "in-", ".txt");
        Files.writeString(in, stdin == null ? "" : stdin);
        Path out = Files.createTempFile(tmp, "out-", ".txt");
        Path err = Files.createTempFile(tmp, "err-", ".txt");
        Process process = builder.redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(command + " did not end within " + PATIENCE + "; stderr: " + Files.readString(err));
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    private record Result(int exit, String out, String err) {}
}
