package dev.pooly.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The user-facing docs agree with the code where a machine can check it: every exit code the CLI
 * uses is in docs/commands.md's table and in {@code pooly --help}, with the request timeout under 75;
 * the log files are named as the daemon names them; and the docs stand on their own (they do not send
 * the reader to a contract that is not in the repository).
 */
class DocsAgreeTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void everyExitCodeIsInTheCommandsTableAndInTheHelpAndTheRequestTimeoutIsUnder75() throws Exception {
        String table = Files.readString(ROOT.resolve("docs/commands.md"));
        String help = CliRun.inProcess("--help").out();
        for (int code : exitCodes()) {
            assertThat(table).as("docs/commands.md row for %s", code).containsPattern("(?m)^\\| " + code + " \\| ");
            assertThat(help).as("pooly --help for %s", code).containsPattern("(?m)^\\s*" + code + "\\s*[: ]");
        }
        assertThat(table).containsPattern("(?m)^\\| 75 \\|.*--request-timeout");
        assertThat(help.replaceAll("\\s+", " ")).as("the help wraps lines").contains("75 pool full (--no-wait), checkout timed out, or a request timed out (--request-timeout)");
    }

    @Test
    void theLogFilesAreNamedAsTheDaemonNamesThem() throws IOException {
        String daemon = Files.readString(ROOT.resolve("cli/src/main/java/dev/pooly/cli/daemon/Daemon.java"));
        assertThat(daemon).contains("id + \".out.log\"").contains("id + \".err.log\"");
        String config = Files.readString(ROOT.resolve("docs/configuration.md"));
        assertThat(config).contains("`ID.out.log` and `ID.err.log`").doesNotContain("`ID.out` and `ID.err`");
    }

    @Test
    void theDocsStandOnTheirOwn() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
            files.filter(p -> p.toString().endsWith(".md")).forEach(docs::add);
        }
        for (Path doc : docs) {
            assertThat(Files.readString(doc)).as("%s", ROOT.relativize(doc)).doesNotContainIgnoringCase("contract");
        }
    }

    private static List<Integer> exitCodes() throws IllegalAccessException {
        List<Integer> codes = new ArrayList<>();
        for (Field f : ExitCode.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) codes.add(f.getInt(null));
        }
        assertThat(codes).contains(0, 1, 64, 65, 69, 75);
        return codes;
    }
}
