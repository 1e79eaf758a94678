package dev.pooly.cli;

import dev.pooly.config.Durations;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs the commands a shell script calls in a loop, {@code pooly call} and {@code pooly status},
 * without building picocli's model: for a well-formed command line it fills in the same command
 * objects picocli would, and runs them.
 *
 * <p>Why: picocli reads its model by reflection from some 170 classes compiled for Java 5, which the
 * JVM's class-data sharing cannot archive; that alone was most of a {@code pooly call}'s start-up
 * once Jackson databind was gone (see docs/performance.md). The price is a second reading of these two
 * commands' options, so it is strict: anything it does not recognise exactly (help, version, an
 * unknown or repeated option, an {@code @file}, {@code --}, a bad duration, a missing or extra
 * argument) is left to picocli, which then gives the usual answer or usage error.
 * {@code FastPathTest} holds the two readings equal over many command lines.
 *
 * <p>Thread-safety: each call works on its own objects.
 */
final class FastPath {
    private FastPath() {}

    /**
     * Runs {@code args} when this path accepts them.
     *
     * @return the exit code, or empty when picocli must handle the command line
     */
    static Optional<Integer> run(String[] args, InputStream in, OutputStream out, OutputStream err) {
        Pooly root = new Pooly(in, out);
        Object command = parse(args, root);
        if (command == null) return Optional.empty();
        PrintWriter stdout = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), false);
        PrintWriter stderr = new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true);
        try {
            int code = command instanceof CallCommand call ? call.run(stdout) : ((StatusCommand) command).run(stdout);
            return Optional.of(code);
        } catch (CliException e) {
            stdout.flush();
            // As Pooly.commandLine's execution exception handler reports it.
            stderr.println("pooly: " + e.getMessage());
            return Optional.of(e.exitCode());
        } finally {
            stdout.flush();
            stderr.flush();
        }
    }

    /** The command object picocli would have made of {@code args}, or null when this path declines them. */
    static Object parse(String[] args, Pooly root) {
        if (args.length == 0) return null;
        try {
            return switch (args[0]) {
                case "call" -> parseCall(args, root);
                case "status" -> parseStatus(args);
                default -> null;
            };
        } catch (RuntimeException unusual) {
            return null; // a path the JDK refuses, say: picocli words the error
        }
    }

    private static CallCommand parseCall(String[] args, Pooly root) {
        CallCommand call = new CallCommand();
        call.pooly = root;
        call.socket = new SocketOptions();
        call.lease = new LeaseOptions();
        List<String> positional = new ArrayList<>();
        Options options = new Options(args);
        while (options.next()) {
            if (options.positional()) {
                positional.add(options.name);
                continue;
            }
            boolean known = switch (options.name) {
                case "-c", "--config" -> options.value() && call.socket.config == null && (call.socket.config = Path.of(options.value)) != null;
                case "-s", "--socket" -> options.value() && call.socket.socket == null && (call.socket.socket = Path.of(options.value)) != null;
                case "--timeout" -> options.value() && call.lease.timeout == null && (call.lease.timeout = duration(options.value)) != null;
                case "--request-timeout" -> options.value() && call.requestTimeout == null && (call.requestTimeout = duration(options.value)) != null;
                case "--no-wait" -> options.flag() && !call.lease.noWait && (call.lease.noWait = true);
                default -> false;
            };
            if (!known) return null;
        }
        if (!options.clean || positional.isEmpty() || positional.size() > 2) return null;
        call.pool = positional.get(0);
        call.request = positional.size() == 2 ? positional.get(1) : null;
        return call;
    }

    private static StatusCommand parseStatus(String[] args) {
        StatusCommand status = new StatusCommand();
        status.socket = new SocketOptions();
        Options options = new Options(args);
        while (options.next()) {
            boolean known = !options.positional() && switch (options.name) {
                case "-c", "--config" -> options.value() && status.socket.config == null && (status.socket.config = Path.of(options.value)) != null;
                case "-s", "--socket" -> options.value() && status.socket.socket == null && (status.socket.socket = Path.of(options.value)) != null;
                case "--json" -> options.flag() && !status.json && (status.json = true);
                case "--names" -> options.value() && status.names == null && (status.names = options.value) != null;
                default -> false;
            };
            if (!known) return null;
        }
        return options.clean ? status : null;
    }

    private static Duration duration(String text) {
        return Durations.parse(text).orElse(null);
    }

    /**
     * Walks the arguments after the subcommand: {@code name} is an option ({@code -c}, {@code --config},
     * or {@code --config} of {@code --config=FILE}) or a positional argument. {@code clean} turns false at
     * anything picocli reads differently from plain words: {@code --}, {@code @file}, {@code -cFILE}.
     */
    private static final class Options {
        private final String[] args;
        private int index = 0;
        private String inline;
        String name;
        String value;
        boolean clean = true;

        Options(String[] args) {
            this.args = args;
        }

        boolean next() {
            if (!clean || ++index >= args.length) return false;
            String arg = args[index];
            inline = null;
            value = null;
            if (arg.startsWith("@") || arg.equals("--")) {
                clean = false;
                return false;
            }
            if (arg.startsWith("--") && arg.indexOf('=') > 0) {
                name = arg.substring(0, arg.indexOf('='));
                inline = arg.substring(arg.indexOf('=') + 1);
            } else {
                name = arg;
            }
            return true;
        }

        /** A word that is not an option; "-" alone is left to picocli with the other words that start with '-'. */
        boolean positional() {
            return !name.startsWith("-");
        }

        /** Takes the option's value, inline or the next argument; false when there is none or it looks like an option. */
        boolean value() {
            if (inline != null) {
                value = inline;
                return true;
            }
            if (index + 1 >= args.length) return false;
            String next = args[index + 1];
            if (next.startsWith("-") || next.startsWith("@")) return false;
            value = next;
            index++;
            return true;
        }

        /** A flag takes no value: {@code --json=true} is left to picocli. */
        boolean flag() {
            return inline == null;
        }
    }
}
