package dev.pooly.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The {@code pooly} command: the daemon and its client commands. {@link #commandLine} builds the
 * one {@link CommandLine} that both {@link #main} and the tests use.
 *
 * <p>Start-up matters here: {@code pooly call} from a shell should cost little more than the round
 * trip it asks for. picocli builds a command's model by reflection, so {@link #main} builds only the
 * subcommand it was asked to run ({@link #commandLine(InputStream, OutputStream, OutputStream, String...)});
 * the whole tree is built when the root's own help or an unknown command needs it.
 */
@Command(name = "pooly", mixinStandardHelpOptions = true, versionProvider = Pooly.Version.class,
        description = "Supervises OS processes like Erlang/OTP and pools them like poolboy.",
        footerHeading = "%nExamples:%n", footer = {
                "  pooly daemon -c config/examples/pooly.yaml",
                "  pooly status -c config/examples/pooly.yaml",
                "  echo hello | pooly call upper -c config/examples/pooly.yaml"},
        // Also the man page's EXIT STATUS section.
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {" 0:ok", " 1:failure: a worker died mid-call, the root supervisor gave up", "64:usage error",
                "65:invalid config", "69:daemon not reachable, or unknown pool or id", "75:pool full (--no-wait), checkout timed out, or a request timed out (--request-timeout)"})
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

    /** Every subcommand by name, in the order the usage lists them; each built only when it is needed. */
    private static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

    private static Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> all = new LinkedHashMap<>();
        all.put("daemon", DaemonCommand::new);
        all.put("validate", ValidateCommand::new);
        all.put("status", StatusCommand::new);
        all.put("call", CallCommand::new);
        all.put("checkout", CheckoutCommand::new);
        all.put("start", NodeCommand.Start::new);
        all.put("stop", NodeCommand.Stop::new);
        all.put("restart", NodeCommand.Restart::new);
        all.put("kill", NodeCommand.Kill::new);
        all.put("reload", ReloadCommand::new);
        all.put("scale", ScaleCommand::new);
        all.put("logs", LogsCommand::new);
        all.put("shutdown", ShutdownCommand::new);
        all.put("help", CommandLine.HelpCommand::new);
        return Collections.unmodifiableMap(all);
    }

    /** The whole command line, every subcommand included (tests, help, man pages, completion): text goes to {@code out}/{@code err}. */
    public static CommandLine commandLine(InputStream in, OutputStream out, OutputStream err) {
        return build(in, out, err, SUBCOMMANDS.keySet());
    }

    /**
     * The command line that runs {@code args}: the root and only the subcommand {@code args[0]} names,
     * or the whole tree when {@code args[0]} is not a subcommand (or is {@code help}, which needs its
     * siblings). What it prints and returns for {@code args} is what the whole tree would.
     */
    static CommandLine commandLine(InputStream in, OutputStream out, OutputStream err, String... args) {
        String first = args.length == 0 ? "" : args[0];
        boolean one = SUBCOMMANDS.containsKey(first) && !first.equals("help");
        return build(in, out, err, one ? Set.of(first) : SUBCOMMANDS.keySet());
    }

    private static CommandLine build(InputStream in, OutputStream out, OutputStream err, Set<String> names) {
        CommandLine cli = new CommandLine(new Pooly(in, out));
        // Subcommands first: the settings below reach only the subcommands already added.
        SUBCOMMANDS.forEach((name, command) -> {
            if (names.contains(name)) cli.addSubcommand(name, command.get());
        });
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
        // The raw descriptors: System.out would flush at every line break, and the writers above buffer already.
        OutputStream out = new FileOutputStream(FileDescriptor.out);
        OutputStream err = new FileOutputStream(FileDescriptor.err);
        Optional<Integer> fast = FastPath.run(args, System.in, out, err);
        if (fast.isPresent()) System.exit(fast.get());
        CommandLine cli = commandLine(System.in, out, err, args);
        int code = cli.execute(args);
        cli.getOut().flush();
        cli.getErr().flush();
        System.exit(code);
    }

    /** The build's version (the project version, filtered into version.properties), as the man pages name it. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override public String[] getVersion() throws java.io.IOException {
            java.util.Properties p = new java.util.Properties();
            try (InputStream in = Pooly.class.getResourceAsStream("version.properties")) {
                if (in != null) p.load(in);
            }
            return new String[] {"pooly " + p.getProperty("version", "unknown (built without version.properties)")};
        }
    }
}
