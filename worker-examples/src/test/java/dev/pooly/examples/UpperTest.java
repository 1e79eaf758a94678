package dev.pooly.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UpperTest {

    @Test
    void upperRespondsWithTheRequestUpperCased() throws Exception {
        try (WorkerProcess upper = WorkerProcess.java(Upper.class)) {
            assertThat(upper.call("hello, world")).isEqualTo("HELLO, WORLD");
            assertThat(upper.call("grüße aus köln")).isEqualTo("GRÜSSE AUS KÖLN");
            assertThat(upper.call("  keeps   blanks\t")).isEqualTo("  KEEPS   BLANKS\t");
        }
    }

    @Test
    void upperUpperCasesTheSameInEveryLocale() throws Exception {
        // Turkish upper-cases i to a dotted capital I; a worker's answer must not depend on the host.
        ProcessBuilder turkish = new ProcessBuilder(WorkerProcess.javaCommand(Upper.class));
        turkish.command().add(1, "-Duser.language=tr");
        turkish.command().add(2, "-Duser.country=TR");
        try (WorkerProcess upper = WorkerProcess.start(turkish)) {
            assertThat(upper.call("pid")).isEqualTo("PID");
        }
    }

    @Test
    void upperAnswersAnEmptyRequestWithAnEmptyLine() throws Exception {
        try (WorkerProcess upper = WorkerProcess.java(Upper.class)) {
            assertThat(upper.call("")).isEmpty();
            assertThat(upper.call("after")).isEqualTo("AFTER");
        }
    }

    @Test
    void upperAnswersAHugeLine() throws Exception {
        String huge = "abc".repeat(3 << 20);
        try (WorkerProcess upper = WorkerProcess.java(Upper.class)) {
            assertThat(upper.call(huge)).isEqualTo("ABC".repeat(3 << 20));
            assertThat(upper.call("next")).isEqualTo("NEXT");
        }
    }

    @Test
    void upperAcceptsCrLfAndALastLineWithoutALineBreak() throws Exception {
        try (WorkerProcess upper = WorkerProcess.java(Upper.class)) {
            upper.sendRaw("windows\r\nlast");
            upper.closeStdin();

            assertThat(upper.receiveAll()).containsExactly("WINDOWS", "LAST");
            assertThat(upper.awaitExit()).isZero();
        }
    }

    @Test
    void upperExitsCleanlyOnStdinEof() throws Exception {
        try (WorkerProcess upper = WorkerProcess.java(Upper.class, "--ready")) {
            assertThat(upper.receive()).isEqualTo("READY");
            assertThat(upper.call("one")).isEqualTo("ONE");
            upper.closeStdin();

            assertThat(upper.awaitExit()).isZero();
            assertThat(upper.stderr()).contains("stdin closed, exiting");
        }
    }

    @Test
    void upperPrintsUsageOnHelp() throws Exception {
        try (WorkerProcess upper = WorkerProcess.java(Upper.class, "--help")) {
            assertThat(upper.receive()).startsWith("usage: ").contains(Upper.class.getName(), "--ready");
            assertThat(upper.awaitExit()).isZero();
        }
    }
}
