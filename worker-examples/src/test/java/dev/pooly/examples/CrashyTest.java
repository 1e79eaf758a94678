package dev.pooly.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CrashyTest {

    @Test
    void crashyEchoesOrdinaryRequests() throws Exception {
        try (WorkerProcess crashy = WorkerProcess.java(Crashy.class)) {
            assertThat(crashy.call("hello")).isEqualTo("hello");
            assertThat(crashy.call("crash ")).as("only an exact match crashes").isEqualTo("crash ");
            assertThat(crashy.call("")).isEmpty();
        }
    }

    @Test
    void crashyExitsWithStatus3OnCrashWithoutAnswering() throws Exception {
        try (WorkerProcess crashy = WorkerProcess.java(Crashy.class)) {
            assertThat(crashy.call("before")).isEqualTo("before");
            crashy.send("crash");

            assertThat(crashy.awaitExit()).isEqualTo(Crashy.CRASH_STATUS).isEqualTo(3);
            assertThat(crashy.receive()).as("stdout after crash").isNull();
        }
    }

    @Test
    void crashyCrashesOnTheWordGivenWithOn() throws Exception {
        try (WorkerProcess crashy = WorkerProcess.java(Crashy.class, "--on=boom")) {
            assertThat(crashy.call("crash")).isEqualTo("crash");
            crashy.send("boom");

            assertThat(crashy.awaitExit()).isEqualTo(3);
        }
    }

    @Test
    void crashyNeverAnswersOnceItHangsNotEvenAfterStdinEof() throws Exception {
        // We test this by checking that no response (nor EOF) comes for a while, and that the
        // process is still alive for a while after its stdin is closed; closing the test kills it.
        try (WorkerProcess crashy = WorkerProcess.java(Crashy.class, "--hang-on=stall")) {
            assertThat(crashy.call("hang")).isEqualTo("hang");
            crashy.send("stall");
            crashy.send("anyone there?");

            crashy.assertSilentFor(Duration.ofMillis(500));
            crashy.closeStdin();
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(crashy::isAlive);
        }
    }

    @Test
    void crashyExitsCleanlyOnStdinEof() throws Exception {
        try (WorkerProcess crashy = WorkerProcess.java(Crashy.class)) {
            assertThat(crashy.call("one")).isEqualTo("one");
            crashy.closeStdin();

            assertThat(crashy.awaitExit()).isZero();
        }
    }
}
