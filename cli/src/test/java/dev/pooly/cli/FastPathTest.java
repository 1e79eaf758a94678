package dev.pooly.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link FastPath} reads {@code call} and {@code status} command lines exactly as picocli does, or
 * leaves them to picocli. We test this by parsing each command line both ways and comparing every
 * field of the command objects; where picocli refuses the line, the fast path must decline it too.
 * Arguments are separated by '|' in the table.
 */
class FastPathTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "call|upper", "call|upper|hello", "call|upper|two words", "call|upper|", "call|upper|hello|-c|pooly.yaml",
            "call|-c|pooly.yaml|upper|hello", "call|--config|pooly.yaml|upper", "call|--config=pooly.yaml|upper",
            "call|upper|-s|/tmp/x.sock", "call|--socket=/tmp/x.sock|upper|hi", "call|upper|--timeout|5s|hi",
            "call|upper|--timeout=250ms", "call|upper|--no-wait|hi", "call|upper|--request-timeout|2s|hi",
            "call|--request-timeout=0s|upper", "call|upper|--request-timeout|x", "call|upper|--request-timeout|1s|--request-timeout|2s", "call|--no-wait|--timeout|2m|upper|hi|-s|p.sock",
            "status", "status|--json", "status|-c|pooly.yaml", "status|--json|-s|p.sock", "status|--socket|p.sock|--json",
            // picocli refuses these, or reads them in ways the fast path leaves alone:
            "call", "call|upper|hello|extra", "call|upper|--timeout|5", "call|upper|--timeout|abc", "call|upper|--timeout",
            "call|upper|--timeout|-1s", "call|upper|-x", "call|upper|--frobnicate", "call|-c", "call|upper|-c|a|-c|b",
            "call|upper|--no-wait|--no-wait", "call|upper|--no-wait=true", "call|upper|-h", "call|--help", "call|-V",
            "call|upper|--", "call|upper|--|-x", "call|upper|@args.txt", "call|upper|-", "call|-cpooly.yaml|upper",
            "call|upper|-s", "status|extra", "status|--json|--json", "status|-h", "status|--version", "status|--json=false",
            "help|call", "daemon|-c|x", "--version", "frobnicate",
    })
    void fastPathParsesLikePicocliOrDeclines(String line) {
        String[] args = line.split("\\|", -1);
        Object fast = FastPath.parse(args, new Pooly(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream()));
        Object picocli = picocli(args);

        if (fast == null) return; // picocli handles it, whatever it makes of it
        assertThat(picocli).as("picocli accepts %s as the same command", Arrays.toString(args)).isNotNull();
        assertThat(describe(fast)).isEqualTo(describe(picocli));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"call|upper|hello|-c|pooly.yaml", "call|--no-wait|--timeout|2m|upper|hi|-s|p.sock", "status|--json|-s|p.sock",
            "call|upper", "status"})
    void fastPathTakesTheCommonCommandLines(String line) {
        assertThat(FastPath.parse(line.split("\\|"), new Pooly(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream()))).isNotNull();
    }

    /** The command object picocli made of {@code args}, or null when it refused them or would not run a call/status. */
    private static Object picocli(String[] args) {
        CommandLine cli = Pooly.commandLine(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(), new ByteArrayOutputStream());
        try {
            CommandLine.ParseResult result = cli.parseArgs(args);
            if (!result.hasSubcommand() || result.subcommand().isUsageHelpRequested() || result.subcommand().isVersionHelpRequested()) return null;
            return result.subcommand().commandSpec().userObject();
        } catch (CommandLine.ParameterException refused) {
            return null;
        }
    }

    private static String describe(Object command) {
        if (command instanceof CallCommand c) {
            return "call pool=" + c.pool + " request=" + c.request + " config=" + c.socket.config + " socket=" + c.socket.socket
                    + " timeout=" + c.lease.timeout + " noWait=" + c.lease.noWait + " requestTimeout=" + c.requestTimeout;
        }
        StatusCommand s = (StatusCommand) command;
        return "status json=" + s.json + " config=" + s.socket.config + " socket=" + s.socket.socket;
    }
}
