package dev.pooly.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packaged jar, started the way configs start it: the contract's pool example runs
 * {@code java -cp worker-examples/target/worker-examples.jar dev.pooly.examples.Upper} from the
 * repository root. Runs after {@code package}, under failsafe.
 */
class WorkerJarIT {

    private static final Path REPO_ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String JAR = "worker-examples/target/worker-examples.jar";

    @Test
    void jarIsWhereConfigsLookForIt() {
        assertThat(REPO_ROOT.resolve(JAR)).isRegularFile();
    }

    @Test
    void contractPoolCommandRunsWithTheJavaOnPath() throws Exception {
        // Whatever `java` the daemon's PATH holds runs the worker; on Debian that is 17.
        assumeTrue(javaOnPath(), "no java on PATH");
        ProcessBuilder contract = new ProcessBuilder("java", "-cp", JAR, Upper.class.getName(), "--ready")
                .directory(REPO_ROOT.toFile());
        try (WorkerProcess upper = WorkerProcess.start(contract)) {
            assertThat(upper.receive()).as("first line; stderr: %s", upper.stderr()).isEqualTo("READY");
            assertThat(upper.call("pooly")).isEqualTo("POOLY");
            upper.closeStdin();
            assertThat(upper.awaitExit()).isZero();
        }
    }

    @Test
    void everyWorkerRunsFromTheJar() throws Exception {
        for (Class<?> worker : List.of(Upper.class, ChuckNorris.class, Crashy.class, Slow.class)) {
            ProcessBuilder fromJar = new ProcessBuilder(WorkerProcess.javaBinary(), "-cp", JAR, worker.getName())
                    .directory(REPO_ROOT.toFile());
            try (WorkerProcess process = WorkerProcess.start(fromJar)) {
                assertThat(process.call("7")).as(worker.getSimpleName()).isNotEmpty();
                process.closeStdin();
                assertThat(process.awaitExit()).as(worker.getSimpleName()).isZero();
            }
        }
    }

    private static boolean javaOnPath() {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, "java")));
    }
}
