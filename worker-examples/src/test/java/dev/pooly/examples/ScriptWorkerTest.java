package dev.pooly.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The script workers' own answers; {@link EveryWorkerTest} covers the protocol they share. */
class ScriptWorkerTest {

    @ParameterizedTest
    @ValueSource(strings = {"upper.sh", "upper.py", "echo.sh"})
    void scriptIsExecutable(String name) {
        assertThat(Files.isExecutable(Workers.script(name))).as(name).isTrue();
    }

    @Test
    void upperShUpperCasesAsciiLetters() throws Exception {
        try (WorkerProcess upper = Workers.script("sh", "upper.sh").start()) {
            assertThat(upper.call("hello, world 42")).isEqualTo("HELLO, WORLD 42");
            assertThat(upper.call("")).isEmpty();
            assertThat(upper.call("  back\\slash  ")).isEqualTo("  BACK\\SLASH  ");
        }
    }

    @Test
    void upperShRunsOnItsOwnShebang() throws Exception {
        try (WorkerProcess upper = WorkerProcess.start(List.of(Workers.script("upper.sh").toString(), "--ready"))) {
            assertThat(upper.receive()).isEqualTo("READY");
            assertThat(upper.call("abc")).isEqualTo("ABC");
        }
    }

    @Test
    void upperPyUpperCasesUnicode() throws Exception {
        try (WorkerProcess upper = Workers.script("python3", "upper.py").start()) {
            assertThat(upper.call("grüße aus köln")).isEqualTo("GRÜSSE AUS KÖLN");
            assertThat(upper.call("")).isEmpty();
        }
    }

    @Test
    void upperPyRunsOnItsOwnShebang() throws Exception {
        try (WorkerProcess upper = WorkerProcess.start(List.of(Workers.script("upper.py").toString(), "--ready"))) {
            assertThat(upper.receive()).isEqualTo("READY");
            assertThat(upper.call("abc")).isEqualTo("ABC");
        }
    }

    @Test
    void echoShAnswersWithTheRequestUnchanged() throws Exception {
        try (WorkerProcess echo = Workers.script("sh", "echo.sh").start()) {
            for (String request : List.of("plain", "", "  leading and trailing  ", "-n", "a\\tb\\nc", "*")) {
                assertThat(echo.call(request)).isEqualTo(request);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"upper.sh", "upper.py", "echo.sh"})
    void scriptAcceptsCrLfAndALastLineWithoutALineBreak(String name) throws Exception {
        String interpreter = name.endsWith(".py") ? "python3" : "sh";
        try (WorkerProcess script = Workers.script(interpreter, name).start()) {
            script.sendRaw("crlf\r\nlast");
            script.closeStdin();

            assertThat(script.receiveAll()).extracting(String::toLowerCase).containsExactly("crlf", "last");
            assertThat(script.awaitExit()).isZero();
        }
    }
}
