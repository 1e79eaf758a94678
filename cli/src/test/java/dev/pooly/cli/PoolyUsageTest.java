package dev.pooly.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The command line's own surface, in this JVM through {@link Pooly#commandLine}: help, version and
 * usage errors (exit 64). None of it needs a daemon; usage errors are reported before any connection.
 */
class PoolyUsageTest {

    @ParameterizedTest(name = "pooly {0} --help")
    @ValueSource(strings = {"daemon", "validate", "status", "call", "checkout", "start", "stop", "restart", "kill", "shutdown"})
    void everySubcommandsHelpPrintsItsUsageAndAnExample(String subcommand) {
        CliRun run = CliRun.inProcess(subcommand, "--help");

        assertThat(run.exit()).as(run::toString).isZero();
        assertThat(run.out()).as(run::toString)
                .startsWith("Usage: pooly " + subcommand)
                .containsPattern("(?m)^Examples?:$")
                .containsPattern("(?m)^  pooly " + subcommand + " ");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void helpSubcommandPrintsTheSameUsageAsTheOption() {
        CliRun viaCommand = CliRun.inProcess("help", "call");
        CliRun viaOption = CliRun.inProcess("call", "--help");

        assertThat(viaCommand.exit()).isZero();
        assertThat(viaCommand.out()).isEqualTo(viaOption.out());
    }

    @Test
    void rootHelpListsEveryCommandTheContractNames() {
        CliRun run = CliRun.inProcess("--help");

        assertThat(run.exit()).isZero();
        assertThat(run.out()).startsWith("Usage: pooly").contains("Examples:");
        for (String command : new String[] {"daemon", "validate", "status", "call", "checkout", "start", "stop", "restart", "kill", "shutdown"}) {
            assertThat(run.out()).containsPattern("(?m)^  " + command + "\\b");
        }
    }

    /**
     * The command list of {@code pooly --help} and each man page's NAME line show a command's first
     * description line: it must be a whole sentence, without a comma or colon (a man page's NAME line
     * is cut at them). They were once the first line of a wrapped paragraph ("... (REQUEST, or each line
     * of stdin in turn),").
     */
    @Test
    void everyCommandsSummaryIsOneWholeSentenceAndTheRootHelpListsItWhole() {
        CliRun help = CliRun.inProcess("--help");
        String listing = help.out().replaceAll("\\n {14}", " ");
        Pooly.commandLine(java.io.InputStream.nullInputStream(), java.io.OutputStream.nullOutputStream(), java.io.OutputStream.nullOutputStream())
                .getSubcommands().forEach((name, command) -> {
                    if (name.equals("help")) return; // picocli's own
                    String summary = command.getCommandSpec().usageMessage().description()[0];
                    assertThat(summary).as("pooly %s's summary", name).endsWith(".").doesNotContain(",", ":");
                    assertThat(listing).as("pooly --help").containsPattern("(?m)^  " + name + " +" + java.util.regex.Pattern.quote(summary) + "$");
                });
    }

    /** One version, from the build: the same the man pages name (they were 0.1.0-SNAPSHOT while this said "dev"). */
    @Test
    void versionIsTheBuildsVersion() throws Exception {
        String pom = java.nio.file.Files.readString(java.nio.file.Path.of("pom.xml"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<parent>.*?<version>([^<]+)</version>",
                java.util.regex.Pattern.DOTALL).matcher(pom);
        assertThat(m.find()).as("the version in cli/pom.xml").isTrue();
        String version = m.group(1);

        CliRun run = CliRun.inProcess("--version");

        assertThat(run.out().strip()).isEqualTo("pooly " + version);
    }

    @Test
    void versionPrintsTheProgramName() {
        CliRun run = CliRun.inProcess("--version");

        assertThat(run.exit()).isZero();
        assertThat(run.out()).startsWith("pooly ");
    }

    /** Each client command has -s at a socket nobody listens on: had the arguments been accepted, the exit would be 69. */
    @ParameterizedTest(name = "pooly {0} -> 64, says \"{1}\"")
    @CsvSource(delimiter = '|', textBlock = """
            ''                                                  | a command is required
            frobnicate                                          | Unmatched argument at index 0: 'frobnicate'
            call -s /nonexistent/pooly.sock                     | Missing required parameter: 'POOL'
            checkout -s /nonexistent/pooly.sock                 | Missing required parameter: 'POOL'
            kill -s /nonexistent/pooly.sock                     | Missing required parameter: 'ID'
            stop -s /nonexistent/pooly.sock                     | Missing required parameter: 'ID'
            daemon                                              | Missing required option: '--config=FILE'
            validate                                            | Missing required option: '--config=FILE'
            status --frobnicate -s /nonexistent/pooly.sock      | Unknown option: '--frobnicate'
            call upper --timeout 5 hello -s /nonexistent/pooly.sock   | '5' is not a duration
            call upper --timeout abc hello -s /nonexistent/pooly.sock | 'abc' is not a duration
            call upper --timeout -1s hello -s /nonexistent/pooly.sock | '-1s' is not a duration
            checkout upper --timeout 5 -s /nonexistent/pooly.sock     | '5' is not a duration
            call upper --request-timeout soon hi -s /nonexistent/pooly.sock | 'soon' is not a duration
            checkout upper --request-timeout 1s -s /nonexistent/pooly.sock  | --request-timeout
            call upper hello extra -s /nonexistent/pooly.sock   | Unmatched argument at index 3: 'extra'
            """)
    void usageErrorsExit64WithTheProblemAndTheUsage(String args, String problem) {
        CliRun run = CliRun.inProcess(args.isBlank() ? new String[0] : args.split(" "));

        assertThat(run.exit()).as(run::toString).isEqualTo(ExitCode.USAGE).isEqualTo(64);
        assertThat(run.err()).as(run::toString).startsWith("pooly: ").contains(problem).contains("Usage: pooly");
        assertThat(run.out()).isEmpty();
    }

    @ParameterizedTest(name = "--timeout {0} is accepted")
    @ValueSource(strings = {"250ms", "5s", "2m", "1h"})
    void timeoutsInTheConfigsDurationFormsAreAccepted(String timeout) {
        // Accepted options get as far as connecting: 69, no daemon there, and never 64.
        CliRun run = CliRun.inProcess("call", "upper", "--timeout", timeout, "hello", "-s", "/nonexistent/pooly.sock");

        assertThat(run.exit()).as(run::toString).isEqualTo(ExitCode.UNAVAILABLE);
    }
}
