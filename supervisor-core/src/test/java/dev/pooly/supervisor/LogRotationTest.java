package dev.pooly.supervisor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.pooly.supervisor.Children.*;
import static org.assertj.core.api.Assertions.assertThat;

class LogRotationTest {

    @TempDir Path dir;

    @Test
    void loggedStdoutAndStderrLandInIdOutLogAndIdErrLog() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE,
                shell("web", "echo to-stdout; echo to-stderr >&2; exec sleep 300").withLogs(LogSpec.in(dir))))) {
            tree.pid("web");
            RunningTree.await().untilAsserted(() -> {
                assertThat(dir.resolve("web.out.log")).content().isEqualTo("to-stdout\n");
                assertThat(dir.resolve("web.err.log")).content().isEqualTo("to-stderr\n");
            });
        }
    }

    @Test
    void logsOfARestartedChildAreAppended() {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE,
                shell("web", "echo started $$; exec sleep 300").withLogs(LogSpec.in(dir))))) {
            long pid = tree.pid("web");
            RunningTree.await().until(() -> Files.exists(dir.resolve("web.out.log")));

            tree.sigkill(pid);
            long newPid = tree.awaitReplaced("web", pid);

            RunningTree.await().untilAsserted(() -> assertThat(dir.resolve("web.out.log")).content()
                    .isEqualTo("started " + pid + "\nstarted " + newPid + "\n"));
        }
    }

    @Test
    void logsRotatePastMaxBytesKeepingTheConfiguredNumberOfBackups() throws IOException {
        // We test this by writing ~80 KB of numbered lines through 1 KB files with two backups: what is
        // kept must be the newest lines, contiguous across the files, and the oldest must be gone.
        int lines = 2000;
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE,
                shell("chatty", "i=0; while [ $i -lt " + lines + " ]; do echo \"line $i ............................\"; i=$((i+1)); done; "
                        + "echo done; exec sleep 300")
                        .withLogs(new LogSpec(dir, 1000, 2))))) {
            tree.pid("chatty");
            Path current = dir.resolve("chatty.out.log");
            RunningTree.await().ignoreExceptions().until(() -> Files.exists(current) && Files.readString(current).endsWith("done\n"));

            assertThat(dir.resolve("chatty.out.log.1")).exists();
            assertThat(dir.resolve("chatty.out.log.2")).exists();
            assertThat(dir.resolve("chatty.out.log.3")).doesNotExist();

            StringBuilder kept = new StringBuilder();
            for (String name : List.of("chatty.out.log.2", "chatty.out.log.1", "chatty.out.log")) {
                kept.append(Files.readString(dir.resolve(name)));
            }
            String written = IntStream.range(0, lines).mapToObj(i -> "line " + i + " ............................\n")
                    .collect(Collectors.joining()) + "done\n";
            // Oldest first, the files hold the newest bytes written, without gaps.
            assertThat(written).endsWith(kept.toString());
            assertThat(kept.toString()).doesNotContain("line 0 ").contains("line " + (lines - 1) + " ");
        }
    }

    @Test
    void channelChildsStderrIsLoggedWhileItsStdoutStaysTheChannel() throws Exception {
        var template = ProcessSpec.of("worker", "sh", "-c", "echo complaint >&2; exec cat")
                .withStdio(Stdio.CHANNEL).withShutdown(QUICK).withLogs(LogSpec.in(dir));
        try (var tree = RunningTree.start(SupervisorSpec.dynamic("root", LENIENT, template))) {
            ProcessChild child = tree.root.startChild().get(5, TimeUnit.SECONDS);
            tree.track(child.pid());

            assertThat(DynamicSupervisorTest.roundTrip(child, "request")).isEqualTo("request");
            RunningTree.await().untilAsserted(() -> {
                Path byTemplate = dir.resolve("worker.err.log"), byChild = dir.resolve(child.id() + ".err.log");
                Path log = Files.exists(byChild) ? byChild : byTemplate;
                assertThat(log).content().isEqualTo("complaint\n");
            });
            try (var files = Files.list(dir)) {
                assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".out.log"));
            }
        }
    }

    @Test
    void discardedLogsWriteNoFiles() throws IOException {
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE,
                shell("quiet", "echo to-stdout; echo to-stderr >&2; exec sleep 300").withCwd(dir)))) {
            tree.pid("quiet");
            RunningTree.during(Duration.ofMillis(200)).until(() -> {
                try (var files = Files.list(dir)) {
                    return files.findAny().isEmpty();
                }
            });
        }
    }
}
