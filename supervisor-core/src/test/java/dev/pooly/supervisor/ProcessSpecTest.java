package dev.pooly.supervisor;

import dev.pooly.testing.EventLog;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.pooly.supervisor.Children.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

class ProcessSpecTest {

    @TempDir Path dir;

    @Test
    void processRunsInItsWorkingDirectoryWithItsEnvironmentAdded() {
        Path logs = dir.resolve("logs"), work = dir;
        try (var tree = RunningTree.start(root(Strategy.ONE_FOR_ONE,
                shell("env", "echo \"$PWD|$POOLY_GREETING|${HOME:+home-kept}\"; exec sleep 300")
                        .withCwd(work).withEnv(Map.of("POOLY_GREETING", "hello")).withLogs(LogSpec.in(logs))))) {
            tree.pid("env");
            RunningTree.await().untilAsserted(() -> assertThat(logs.resolve("env.out.log")).content()
                    .isEqualTo(work.toRealPath() + "|hello|home-kept\n"));
        }
    }

    @Test
    void missingWorkingDirectoryIsAStartFailureNamingIt() {
        var events = new EventLog();
        Path missing = dir.resolve("nowhere");

        Throwable thrown = catchThrowable(() -> SupervisionTree.start(root(Strategy.ONE_FOR_ONE,
                sleeper("lost").withCwd(missing)), events));

        assertThat(thrown).isInstanceOf(ChildStartException.class);
        assertThat(events.of(SupervisionEvent.StartFailed.class, "lost")).isNotEmpty()
                .allSatisfy(f -> assertThat(f.error()).contains(missing.toString()));
    }

    @Test
    void specsRejectWhatCannotWork() {
        assertThatThrownBy(() -> ProcessSpec.of("empty", List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProcessSpec.of(" ", "sleep", "1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> root(Strategy.ONE_FOR_ONE, sleeper("twin"), sleeper("twin")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twin");
        assertThatThrownBy(() -> new SupervisorSpec("pool", Strategy.SIMPLE_ONE_FOR_ONE, LENIENT, List.of(), null,
                RestartType.PERMANENT, Shutdown.infinity())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SupervisorSpec("static", Strategy.ONE_FOR_ONE, LENIENT, List.of(), sleeper("t"),
                RestartType.PERMANENT, Shutdown.infinity())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LogSpec(dir, 0, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Shutdown.graceful(java.time.Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nestedSupervisorsDefaultToPermanentWithInfinityShutdownAsInOtp() {
        SupervisorSpec nested = nested("backend", Strategy.ONE_FOR_ONE, LENIENT);
        assertThat(nested.restart()).isEqualTo(RestartType.PERMANENT);
        assertThat(nested.shutdown()).isEqualTo(Shutdown.infinity());
        assertThat(ProcessSpec.of("p", "sleep", "1").shutdown()).isEqualTo(Shutdown.graceful(java.time.Duration.ofSeconds(5)));
    }
}
