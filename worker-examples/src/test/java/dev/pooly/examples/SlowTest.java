package dev.pooly.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SlowTest {

    @Test
    void slowAnswersNoSoonerThanItsDelay() throws Exception {
        try (WorkerProcess slow = WorkerProcess.java(Slow.class, "--delay=250ms", "--ready")) {
            assertThat(slow.receive()).isEqualTo("READY");

            assertThat(timeToAnswer(slow, "one")).isGreaterThanOrEqualTo(Duration.ofMillis(250));
            assertThat(timeToAnswer(slow, "two")).isGreaterThanOrEqualTo(Duration.ofMillis(250));
        }
    }

    @Test
    void slowWaits100msByDefault() throws Exception {
        try (WorkerProcess slow = WorkerProcess.java(Slow.class, "--ready")) {
            assertThat(slow.receive()).isEqualTo("READY");

            assertThat(timeToAnswer(slow, "one")).isGreaterThanOrEqualTo(Slow.DEFAULT_DELAY);
        }
    }

    @Test
    void slowRejectsADelayWithoutAUnitWithUsageStatus() throws Exception {
        try (WorkerProcess slow = WorkerProcess.java(Slow.class, "--delay=250")) {
            assertThat(slow.awaitExit()).isEqualTo(LineWorker.EXIT_USAGE);
            assertThat(slow.stderr()).contains("bad duration '250'");
        }
    }

    @Test
    void slowExitsCleanlyOnStdinEof() throws Exception {
        try (WorkerProcess slow = WorkerProcess.java(Slow.class, "--delay=1ms")) {
            assertThat(slow.call("one")).isEqualTo("one");
            slow.closeStdin();

            assertThat(slow.awaitExit()).isZero();
        }
    }

    private static Duration timeToAnswer(WorkerProcess slow, String request) {
        long start = System.nanoTime();
        assertThat(slow.call(request)).isEqualTo(request);
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
