package dev.pooly.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pooly.examples.Workers.Worker;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The line protocol that every example worker keeps, whatever it answers. */
class EveryWorkerTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.pooly.examples.Workers#all")
    void printsReadyAsItsFirstLineWhenAskedTo(Worker worker) throws Exception {
        try (WorkerProcess process = worker.start("--ready")) {
            assertThat(process.receive()).isEqualTo("READY");
            assertThat(process.call("ping")).isNotEqualTo("READY");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.pooly.examples.Workers#all")
    void answersEveryRequestWithExactlyOneLine(Worker worker) throws Exception {
        List<String> requests = List.of("one", "", "  two  words  ", "x".repeat(100_000), "tab\there", "last");
        try (WorkerProcess process = worker.start()) {
            // All requests up front: a worker must not lose or merge lines that arrive together.
            requests.forEach(process::send);
            process.closeStdin();

            assertThat(process.receiveAll()).hasSameSizeAs(requests);
            assertThat(process.awaitExit()).isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.pooly.examples.Workers#all")
    void exitsCleanlyOnStdinEof(Worker worker) throws Exception {
        try (WorkerProcess process = worker.start()) {
            process.closeStdin();

            assertThat(process.awaitExit()).isZero();
            assertThat(process.receive()).as("stdout").isNull();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.pooly.examples.Workers#all")
    void logsOnlyOnStderrWithItsPid(Worker worker) throws Exception {
        try (WorkerProcess process = worker.start()) {
            process.call("hello");
            process.closeStdin();

            assertThat(process.receiveAll()).as("stdout after the one response").isEmpty();
            assertThat(process.awaitExit()).isZero();
            assertThat(process.stderr()).contains("[" + process.pid() + "]: started");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.pooly.examples.Workers#all")
    void rejectsAnUnknownOptionWithUsageStatus(Worker worker) throws Exception {
        try (WorkerProcess process = worker.start("--no-such-option")) {
            assertThat(process.awaitExit()).isEqualTo(LineWorker.EXIT_USAGE);
            assertThat(process.receive()).as("stdout").isNull();
            assertThat(process.stderr()).contains("usage:");
        }
    }
}
