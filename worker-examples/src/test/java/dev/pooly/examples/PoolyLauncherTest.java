package dev.pooly.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher {@code bin/pooly}. It has no module of its own and needs nothing but the JDK and a
 * jar to run, so it is tested here, with the example workers as the jar.
 *
 * <p>We test the JDK search hermetically: fake {@code java} scripts that print what they were asked
 * to run, in fake JDK directories with or without a {@code release} file, a fake {@code java} first
 * on PATH (so the host's own java never counts), and {@code POOLY_JVM_DIR} in place of /usr/lib/jvm.
 */
class PoolyLauncherTest {

    private static final Path LAUNCHER = Path.of("..", "bin", "pooly").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    private Path jvmDir;
    private Path pathDir;
    private Path fakeJar;

    @BeforeEach
    void setUp() throws IOException {
        tmp = tmp.toRealPath();
        jvmDir = Files.createDirectories(tmp.resolve("jvm"));
        pathDir = Files.createDirectories(tmp.resolve("path"));
        fakeJar = Files.createFile(tmp.resolve("pooly.jar"));
    }

    @Test
    void launcherIsExecutable() {
        assertThat(Files.isExecutable(LAUNCHER)).as(LAUNCHER.toString()).isTrue();
    }

    @Test
    void launcherPrefersJavaHomeWhenItIsAtLeast21() throws Exception {
        Path javaHome = fakeJdk(tmp.resolve("home-22"), "22.0.1", null);
        javaOnPath(fakeJdk(tmp.resolve("path-23"), "23", null));
        fakeJdk(jvmDir.resolve("jdk-25"), "25", null);

        Run run = launch(Map.of("JAVA_HOME", javaHome.toString()), "status");

        assertThat(run.stdoutLines()).first().isEqualTo("ran home-22");
    }

    @Test
    void launcherSkipsAnOldJavaHomeForARecentJavaOnPath() throws Exception {
        Path javaHome = fakeJdk(tmp.resolve("home-17"), "17.0.9", null);
        // No release file: the version comes from `java -version`.
        javaOnPath(fakeJdk(tmp.resolve("path-21"), null, "21.0.2"));
        fakeJdk(jvmDir.resolve("jdk-25"), "25", null);

        Run run = launch(Map.of("JAVA_HOME", javaHome.toString()), "status");

        assertThat(run.stdoutLines()).first().isEqualTo("ran path-21");
    }

    @Test
    void launcherReadsTheReleaseFileBehindAJavaSymlinkOnPath() throws Exception {
        // The release file wins over `java -version`, found by following the symlink, as for
        // Debian's /usr/bin/java -> /etc/alternatives/java -> /usr/lib/jvm/.../bin/java.
        Path jdk = fakeJdk(tmp.resolve("jdks/linked"), "24.0.1", "17");
        Path alternatives = Files.createDirectories(tmp.resolve("alternatives"));
        Files.createSymbolicLink(alternatives.resolve("java"), jdk.resolve("bin/java"));
        Files.createSymbolicLink(pathDir.resolve("java"), alternatives.resolve("java"));

        Run run = launch(Map.of(), "status");

        assertThat(run.stdoutLines()).first().isEqualTo("ran linked");
    }

    @Test
    void launcherFallsBackToTheNewestJdkUnderTheJvmDirectory() throws Exception {
        Path javaHome = fakeJdk(tmp.resolve("home-8"), "1.8.0_392", null);
        javaOnPath(fakeJdk(tmp.resolve("path-17"), null, "17.0.2"));
        fakeJdk(jvmDir.resolve("a-jdk-17"), "17.0.15", null);
        fakeJdk(jvmDir.resolve("b-jdk-22"), "22", null);
        fakeJdk(jvmDir.resolve("c-jdk-25"), "25.0.3", null);
        fakeJdk(jvmDir.resolve("d-jdk-21"), null, "21.0.5");
        Files.createDirectories(jvmDir.resolve("e-docs-only"));

        Run run = launch(Map.of("JAVA_HOME", javaHome.toString()), "status");

        assertThat(run.status()).isZero();
        assertThat(run.stdoutLines()).first().isEqualTo("ran c-jdk-25");
    }

    @Test
    void launcherFailsWithAClearMessageWithoutAJdk21() throws Exception {
        Path javaHome = fakeJdk(tmp.resolve("home-11"), "11.0.2", null);
        javaOnPath(fakeJdk(tmp.resolve("path-17"), null, "17.0.2"));
        fakeJdk(jvmDir.resolve("jdk-20"), "20", null);

        Run run = launch(Map.of("JAVA_HOME", javaHome.toString()), "status");

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.stdout()).isEmpty();
        // Where it looked, every java it saw with its version, and what to install.
        assertThat(run.stderr())
                .startsWith("pooly: no Java runtime >= 21 found (looked at $JAVA_HOME, java on PATH, " + jvmDir + "/*/bin/java; found: "
                        + javaHome + "/bin/java (11), ")
                .contains("/java (17), " + jvmDir + "/jdk-20/bin/java (20)). ")
                .endsWith("apt install openjdk-21-jre-headless (or openjdk-25-jre-headless), or set JAVA_HOME.\n");
    }

    @Test
    void launcherPassesJavaOptionsAndArgumentsThrough() throws Exception {
        javaOnPath(fakeJdk(tmp.resolve("path-21"), "21", null));

        Run run = launch(Map.of("POOLY_JAVA_OPTS", " -Xmx64m  -Dpooly.glob=* "),
                "call", "upper", "two words", "");

        assertThat(run.stdoutLines()).containsExactly("ran path-21",
                "arg:-Xmx64m", "arg:-Dpooly.glob=*", "arg:-jar", "arg:" + fakeJar,
                "arg:call", "arg:upper", "arg:two words", "arg:", "cwd:" + tmp);
    }

    @Test
    void launcherSplitsQuotedJavaOptionsWithoutExpandingAnything() throws Exception {
        javaOnPath(fakeJdk(tmp.resolve("path-21"), "21", null));

        Run run = launch(Map.of("POOLY_JAVA_OPTS", "-Done='a b' \"-Dtwo=c  d\" -Dthree=$(touch pwned) -Dfour=$HOME"), "status");

        assertThat(run.stdoutLines()).containsExactly("ran path-21",
                "arg:-Done=a b", "arg:-Dtwo=c  d", "arg:-Dthree=$(touch", "arg:pwned)", "arg:-Dfour=$HOME",
                "arg:-jar", "arg:" + fakeJar, "arg:status", "cwd:" + tmp);
        assertThat(tmp.resolve("pwned")).doesNotExist();
    }

    @Test
    void launcherRefusesJavaOptionsWithAnUnbalancedQuote() throws Exception {
        javaOnPath(fakeJdk(tmp.resolve("path-21"), "21", null));

        Run run = launch(Map.of("POOLY_JAVA_OPTS", "-Dx='a b"), "status");

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.stdout()).isEmpty();
        assertThat(run.stderr()).startsWith("pooly: POOLY_JAVA_OPTS: cannot split it into options (unmatched single quote");
    }

    @Test
    void launcherGivesTheDaemonASmallUncommittingHeap() throws Exception {
        javaOnPath(fakeJdk(tmp.resolve("path-21"), "21", null));
        Map<String, String> defaults = new HashMap<>();
        defaults.put("POOLY_JAVA_OPTS", null);

        Run run = launch(defaults, "daemon", "-c", "pooly.yaml");

        assertThat(run.stdoutLines()).containsExactly("ran path-21",
                "arg:-XX:+UseSerialGC", "arg:-Xms8m", "arg:-Xmx256m", "arg:-XX:MaxHeapFreeRatio=20", "arg:-XX:MinHeapFreeRatio=5",
                "arg:-Xss512k", "arg:-XX:TieredStopAtLevel=1", "arg:-XX:ReservedCodeCacheSize=32m", "arg:-XX:MaxMetaspaceSize=128m",
                "arg:-jar", "arg:" + fakeJar, "arg:daemon", "arg:-c", "arg:pooly.yaml", "cwd:" + tmp);
    }

    @Test
    void launcherGivesClientsAClassDataArchiveNamedByTheJarsVersion() throws Exception {
        javaOnPath(fakeJdk(tmp.resolve("path-21"), "21", null));
        Path cache = tmp.resolve("cache");
        Map<String, String> defaults = new HashMap<>();
        defaults.put("POOLY_JAVA_OPTS", null);
        defaults.put("POOLY_CACHE_DIR", cache.toString());

        List<String> first = launch(defaults, "call", "upper", "hi").stdoutLines();
        // An archive of this jar's earlier version goes; an unrelated file stays.
        String archive = first.stream().filter(a -> a.startsWith("arg:-XX:SharedArchiveFile=")).findFirst().orElseThrow()
                .substring("arg:-XX:SharedArchiveFile=".length());
        Files.writeString(Path.of(archive), "archive");
        Files.writeString(cache.resolve("unrelated.jsa"), "keep");
        Files.writeString(fakeJar, "a new version of the jar");
        List<String> second = launch(defaults, "status").stdoutLines();

        assertThat(first.subList(0, 6)).containsExactly("ran path-21", "arg:-XX:TieredStopAtLevel=1", "arg:-XX:+UseSerialGC",
                "arg:-Xlog:disable", "arg:-XX:+AutoCreateSharedArchive", "arg:-XX:SharedArchiveFile=" + archive);
        assertThat(Path.of(archive).getParent()).isEqualTo(cache);
        String next = second.get(5).substring("arg:-XX:SharedArchiveFile=".length());
        String place = archive.substring(0, archive.indexOf('-', archive.indexOf("client-") + "client-".length()) + 1);
        assertThat(next).isNotEqualTo(archive).startsWith(place);
        assertThat(Path.of(archive)).doesNotExist();
        assertThat(cache.resolve("unrelated.jsa")).exists();
    }

    @Test
    void launcherRejectsAMissingPoolyJar() throws Exception {
        javaOnPath(fakeJdk(tmp.resolve("path-21"), "21", null));

        Run run = launch(Map.of("POOLY_JAR", tmp.resolve("missing.jar").toString()), "status");

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.stderr()).isEqualTo("pooly: POOLY_JAR=" + tmp.resolve("missing.jar") + ": no such file\n");
    }

    @Test
    void launcherBuildsTheCliJarWhenItIsMissing() throws Exception {
        Path repo = repoWithLauncher();
        javaOnPath(fakeJdk(tmp.resolve("path-21"), "21", null));
        Path mvnLog = tmp.resolve("mvn.log");
        fakeMvn("""
                echo "args:$*" >> "%s"
                echo "cwd:$(pwd)" >> "%s"
                echo "maven chatter"
                mkdir -p cli/target && : > cli/target/pooly.jar
                """.formatted(mvnLog, mvnLog));

        Run run = launchCopy(repo.resolve("bin/pooly"), Map.of(), "status");

        assertThat(run.status()).as(run.stderr()).isZero();
        assertThat(run.stderr()).startsWith("pooly: cli/target/pooly.jar is missing, building it")
                .contains("maven chatter");
        assertThat(Files.readAllLines(mvnLog))
                .containsExactly("args:-B -q -Dstyle.color=never -DskipTests -pl cli -am package", "cwd:" + repo);
        assertThat(run.stdoutLines()).containsExactly("ran path-21",
                "arg:-jar", "arg:" + repo.resolve("cli/target/pooly.jar"), "arg:status", "cwd:" + tmp);
    }

    @Test
    void twoFirstRunsAtOnceBuildTheJarOnce() throws Exception {
        // We test this by starting two launchers at once on a repository without the jar, with a
        // Maven that takes a while: without the lock both see the jar missing and both build.
        Path repo = repoWithLauncher();
        javaOnPath(fakeJdk(tmp.resolve("path-21"), "21", null));
        Path mvnLog = tmp.resolve("mvn.log");
        fakeMvn("""
                echo build >> "%s"
                sleep 2
                mkdir -p cli/target && : > cli/target/pooly.jar
                """.formatted(mvnLog));

        Process first = launcherProcess(repo.resolve("bin/pooly"), "status");
        Process second = launcherProcess(repo.resolve("bin/pooly"), "status");

        assertThat(first.waitFor(WorkerProcess.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(second.waitFor(WorkerProcess.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(first.exitValue()).isZero();
        assertThat(second.exitValue()).isZero();
        assertThat(Files.readAllLines(mvnLog)).containsExactly("build");
    }

    @Test
    void launcherReportsAFailedBuild() throws Exception {
        Path repo = repoWithLauncher();
        javaOnPath(fakeJdk(tmp.resolve("path-21"), "21", null));
        fakeMvn("echo 'BUILD FAILURE' >&2; exit 1\n");

        Run run = launchCopy(repo.resolve("bin/pooly"), Map.of(), "status");

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.stdout()).isEmpty();
        assertThat(run.stderr()).contains("BUILD FAILURE", "pooly: building cli/target/pooly.jar failed");
    }

    @Test
    void launcherFindsTheRepositoryThroughSymlinks() throws Exception {
        Path repo = repoWithLauncher();
        Path jar = Files.createFile(Files.createDirectories(repo.resolve("cli/target")).resolve("pooly.jar"));
        javaOnPath(fakeJdk(tmp.resolve("path-21"), "21", null));
        // ~/bin/pooly -> ../links/pooly (relative) -> <repo>/bin/pooly (absolute)
        Path links = Files.createDirectories(tmp.resolve("links"));
        Files.createSymbolicLink(links.resolve("pooly"), repo.resolve("bin/pooly"));
        Path homeBin = Files.createDirectories(tmp.resolve("home/bin"));
        Files.createSymbolicLink(homeBin.resolve("pooly"), Path.of("../../links/pooly"));

        Run run = launchCopy(homeBin.resolve("pooly"), Map.of(), "status");

        assertThat(run.stdoutLines()).containsExactly("ran path-21", "arg:-jar", "arg:" + jar, "arg:status",
                "cwd:" + tmp);
    }

    @Test
    void launcherExecsTheCliSoItKeepsTheLaunchersPid() throws Exception {
        // A real JDK and a real jar: the example worker Upper logs its pid, which must be the pid
        // of the process we started as bin/pooly.
        Path jar = upperJar(tmp.resolve("upper.jar"));
        ProcessBuilder builder = new ProcessBuilder(LAUNCHER.toString(), "--ready");
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("POOLY_JAR", jar.toString());
        builder.environment().remove("POOLY_JAVA_OPTS");
        builder.environment().put("POOLY_CACHE_DIR", tmp.resolve("cache").toString());

        try (WorkerProcess pooly = WorkerProcess.start(builder)) {
            assertThat(pooly.receive()).isEqualTo("READY");
            assertThat(pooly.call("exec")).isEqualTo("EXEC");
            assertThat(pooly.stderr()).contains("upper[" + pooly.pid() + "]: started");
            pooly.closeStdin();
            assertThat(pooly.awaitExit()).isZero();
        }
    }

    /** A fake JDK: bin/java prints "ran NAME", one "arg:" line per argument, then "cwd:" its directory. */
    private static Path fakeJdk(Path home, String releaseVersion, String dashVersion) throws IOException {
        Path bin = Files.createDirectories(home.resolve("bin"));
        if (releaseVersion != null) {
            Files.writeString(home.resolve("release"),
                    "IMPLEMENTOR=\"Fake\"\nJAVA_VERSION=\"" + releaseVersion + "\"\nOS_NAME=\"Linux\"\n");
        }
        String version = dashVersion != null ? dashVersion : "0";
        executable(bin.resolve("java"), """
                #!/bin/sh
                if [ "$1" = -version ]; then
                  echo 'openjdk version "%s" 2024-01-16' >&2
                  exit 0
                fi
                echo "ran %s"
                for arg in "$@"; do echo "arg:$arg"; done
                echo "cwd:$(pwd)"
                """.formatted(version, home.getFileName()));
        return home;
    }

    private void javaOnPath(Path jdk) throws IOException {
        Files.createSymbolicLink(pathDir.resolve("java"), jdk.resolve("bin/java"));
    }

    private void fakeMvn(String body) throws IOException {
        executable(pathDir.resolve("mvn"), "#!/bin/sh\n" + body);
    }

    /** A repository of our own, holding only a copy of the launcher, for the build and symlink cases. */
    private Path repoWithLauncher() throws IOException {
        Path repo = Files.createDirectories(tmp.resolve("repo"));
        Path bin = Files.createDirectories(repo.resolve("bin"));
        Files.copy(LAUNCHER, bin.resolve("pooly"), StandardCopyOption.COPY_ATTRIBUTES);
        return repo;
    }

    private Run launch(Map<String, String> env, String... args) throws Exception {
        Map<String, String> withJar = new HashMap<>();
        withJar.put("POOLY_JAR", fakeJar.toString());
        withJar.putAll(env);
        return launchCopy(LAUNCHER, withJar, args);
    }

    private Run launchCopy(Path launcher, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(tmp.toFile());
        Map<String, String> environment = builder.environment();
        Stream.of("JAVA_HOME", "POOLY_JAR", "POOLY_JAVA_OPTS", "JDK_JAVA_OPTIONS").forEach(environment::remove);
        // Our fakes first; the system directories only for bash, sed, readlink and friends.
        environment.put("PATH", pathDir + ":/usr/bin:/bin");
        environment.put("POOLY_JVM_DIR", jvmDir.toString());
        // Set but empty: the JVM gets exactly what a test asks for, none of the launcher's defaults.
        environment.put("POOLY_JAVA_OPTS", "");
        env.forEach((name, value) -> {
            if (value == null) environment.remove(name);
            else environment.put(name, value);
        });
        return Run.of(builder, tmp);
    }

    /** Starts the launcher as {@link #launchCopy} would, without waiting for it. */
    private Process launcherProcess(Path launcher, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(tmp.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        Map<String, String> environment = builder.environment();
        Stream.of("JAVA_HOME", "POOLY_JAR", "JDK_JAVA_OPTIONS").forEach(environment::remove);
        environment.put("PATH", pathDir + ":/usr/bin:/bin");
        environment.put("POOLY_JVM_DIR", jvmDir.toString());
        environment.put("POOLY_JAVA_OPTS", "");
        return builder.start();
    }

    private static Path upperJar(Path jar) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, Upper.class.getName());
        Path classes = Path.of(WorkerProcess.classesOf(Upper.class));
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest);
             Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
                Files.copy(file, out);
                out.closeEntry();
            }
        }
        return jar;
    }

    private static void executable(Path file, String content) throws IOException {
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** A finished run of the launcher. */
    private record Run(int status, String stdout, String stderr) {

        static Run of(ProcessBuilder builder, Path dir) throws Exception {
            Path out = Files.createTempFile(dir, "run-", ".out");
            Path err = Files.createTempFile(dir, "run-", ".err");
            Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            process.getOutputStream().close();
            if (!process.waitFor(WorkerProcess.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("launcher still running after " + WorkerProcess.TIMEOUT);
            }
            return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
        }

        List<String> stdoutLines() {
            assertThat(status).as("status; stderr: %s", stderr).isZero();
            return stdout.lines().toList();
        }
    }
}
