package dev.pooly.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * The {@code pooly} command: the daemon and its client commands. {@link #commandLine} builds the
 * one {@link CommandLine} that both {@link #main} and the tests use.
 */
@Command(name = "pooly", mixinStandardHelpOptions = true, versionProvider = Pooly.Version.class,
        description = "Supervises OS processes like Erlang/OTP and pools them like poolboy.",
        subcommands = {DaemonCommand.class, ValidateCommand.class, StatusCommand.class, CallCommand.class,
                CheckoutCommand.class, NodeCommand.Start.class, NodeCommand.Stop.class, NodeCommand.Restart.class,
                NodeCommand.Kill.class, ReloadCommand.class, ScaleCommand.class, ShutdownCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Examples:",
                "  pooly daemon -c config/examples/pooly.yaml",
                "  pooly status -c config/examples/pooly.yaml",
                "  echo hello | pooly call upper -c config/examples/pooly.yaml",
                "", "Exit codes: 0 ok, 1 failure, 64 usage, 65 invalid config, 69 daemon unreachable or unknown pool/id,",
                "75 pool full or checkout timed out."})
public final class Pooly implements Runnable {
    @Spec CommandSpec spec;

    /** Raw standard streams, for byte-exact relaying (picocli's writers are for text). */
    final InputStream stdin;
    final OutputStream stdout;

    Pooly(InputStream stdin, OutputStream stdout) {
        this.stdin = stdin;
        this.stdout = stdout;
    }

    @Override public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    /** The command line for {@code main} and for tests: text goes to {@code out}/{@code err}. */
    public static CommandLine commandLine(InputStream in, OutputStream out, OutputStream err) {
        CommandLine cli = new CommandLine(new Pooly(in, out));
        cli.setOut(new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true));
        cli.setErr(new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true));
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof CliException c) {
                commandLine.getErr().println("pooly: " + c.getMessage());
                commandLine.getErr().flush();
                return c.exitCode();
            }
            throw e;
        });
        cli.setParameterExceptionHandler((e, args) -> {
            e.getCommandLine().getErr().println("pooly: " + e.getMessage());
            e.getCommandLine().usage(e.getCommandLine().getErr());
            return ExitCode.USAGE;
        });
        return cli;
    }

    public static void main(String[] args) {
        int code = commandLine(System.in, System.out, System.err).execute(args);
        System.out.flush();
        System.exit(code);
    }

    /** The version from the jar's manifest, or "dev" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override public String[] getVersion() {
            String v = Pooly.class.getPackage().getImplementationVersion();
            return new String[] {"pooly " + (v == null ? "dev" : v)};
        }
    }
}
