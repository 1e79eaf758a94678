package dev.pooly.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** {@code pooly validate -c FILE}: exit 0, or 65 with one {@code FILE:LINE:COLUMN: message} line per problem. */
class ValidateCommandTest {
    static final Path EXAMPLE = Path.of("../config/examples/pooly.yaml");

    @TempDir Path dir;

    @Test
    void theExampleConfigIsValid() {
        CliRun run = CliRun.inProcess("validate", "-c", EXAMPLE.toString());

        assertThat(run.exit()).as(run::toString).isZero();
        assertThat(run.out()).startsWith(EXAMPLE + ": ok");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void aMinimalConfigIsValid() throws IOException {
        Path config = write("""
                version: 1
                supervisor:
                  children:
                    - process: {id: cache, command: [sleep, "1000"]}
                """);

        CliRun run = CliRun.inProcess("validate", "-c", config.toString());

        assertThat(run.exit()).as(run::toString).isZero();
    }

    static Stream<Arguments> badConfigs() {
        String head = "version: 1\nsupervisor:\n  children:\n";
        return Stream.of(
                arguments("unknown key", head + "    - process:\n        id: a\n        command: [cat]\n        colour: blue\n",
                        "7:9", "unknown key 'colour'"),
                arguments("bad duration", head + "    - process:\n        id: a\n        command: [cat]\n        shutdown: 5 seconds\n",
                        "7:19", "bad duration '5 seconds'"),
                arguments("duration without a unit", head + "    - pool:\n        name: p\n        command: [cat]\n        checkout_timeout: 5\n",
                        "7:27", "checkout_timeout"),
                arguments("duplicate id", head + "    - process: {id: a, command: [cat]}\n    - pool: {name: a, command: [cat]}\n",
                        "5:20", "'a': already used by the process at 4:21"),
                arguments("missing command", head + "    - process: {id: a}\n", "4:7", "missing 'command'"),
                arguments("negative size", head + "    - pool: {name: p, command: [cat], size: -1}\n", "4:45", "size must be 0 or more"),
                arguments("unknown strategy", "version: 1\nsupervisor:\n  strategy: one_for_some\n  children: []\n",
                        "3:13", "unknown strategy 'one_for_some'"),
                arguments("unknown restart type", head + "    - process: {id: a, command: [cat], restart: sometimes}\n",
                        "4:49", "unknown restart 'sometimes'"),
                arguments("wrong type", head + "    - process: {id: a, command: cat}\n", "4:33", "command must be a list"),
                arguments("version 2", "version: 2\nsupervisor:\n  children: []\n", "1:10", "version must be 1"),
                arguments("not YAML", "version: 1\nsupervisor: [\n", "3:1", "not valid YAML"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badConfigs")
    void aBadConfigExits65WithFileLineColumnAndTheProblem(String name, String yaml, String lineColumn, String problem) throws IOException {
        Path config = write(yaml);

        CliRun run = CliRun.inProcess("validate", "-c", config.toString());

        assertThat(run.exit()).as(run::toString).isEqualTo(ExitCode.INVALID_CONFIG).isEqualTo(65);
        assertThat(problemLines(run)).as(run::toString).anySatisfy(line -> assertThat(line)
                .startsWith(config + ":" + lineColumn + ": ").contains(problem));
        assertThat(run.out()).isEmpty();
    }

    @Test
    void everyProblemOfAConfigIsReportedOnALineOfItsOwn() throws IOException {
        Path config = write("""
                version: 1
                supervisor:
                  strategy: one_for_some
                  children:
                    - process:
                        id: a
                        command: [sleep, "10"]
                        shutdown: 5 seconds
                        colour: blue
                    - process:
                        id: a
                        command: [sleep, "10"]
                    - pool:
                        name: p
                        size: -1
                """);

        CliRun run = CliRun.inProcess("validate", "-c", config.toString());

        assertThat(run.exit()).isEqualTo(ExitCode.INVALID_CONFIG);
        assertThat(problemLines(run)).as(run::toString).hasSize(6)
                .allSatisfy(line -> assertThat(line).matches(Pattern.quote(config.toString()) + ":\\d+:\\d+: .+"))
                .extracting(line -> line.substring(config.toString().length() + 1, line.indexOf(": ")))
                .containsExactly("3:13", "8:19", "9:9", "11:13", "13:7", "15:15");
    }

    @Test
    void aMissingFileExits65NamingTheFile() {
        Path missing = dir.resolve("nowhere.yaml");

        CliRun run = CliRun.inProcess("validate", "-c", missing.toString());

        assertThat(run.exit()).isEqualTo(ExitCode.INVALID_CONFIG);
        assertThat(run.err()).as(run::toString).startsWith("pooly: " + missing + ":1:1: ");
    }

    @Test
    void clientCommandsWithABadConfigExit65Too() throws IOException {
        Path config = write("version: 1\nsupervisor:\n  strategy: one_for_some\n  children: []\n");

        CliRun run = CliRun.inProcess("status", "-c", config.toString());

        assertThat(run.exit()).as(run::toString).isEqualTo(ExitCode.INVALID_CONFIG);
        assertThat(problemLines(run)).singleElement().asString().startsWith(config + ":3:13: ");
    }

    /** The {@code FILE:LINE:COLUMN: message} lines of stderr, without the "pooly: invalid config:" headline. */
    private List<String> problemLines(CliRun run) {
        return run.err().lines().filter(line -> line.startsWith(dir.toString())).toList();
    }

    private Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("pooly.yaml"), yaml);
    }
}
