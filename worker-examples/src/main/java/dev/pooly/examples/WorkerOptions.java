package dev.pooly.examples;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A worker's parsed command line: the common {@code --ready} and {@code --help} flags and the
 * worker's own {@code --NAME=VALUE} options. Immutable and thread-safe.
 *
 * @param ready  print {@code READY} as the first stdout line once initialised
 * @param help   print usage and exit 0
 * @param values the worker's own options as given, by name without the leading dashes
 */
public record WorkerOptions(boolean ready, boolean help, Map<String, String> values) {

    private static final Pattern OPTION = Pattern.compile("--([a-z][a-z0-9-]*)(?:=(.*))?", Pattern.DOTALL);
    // The contract's duration syntax, so a worker's --delay reads like a config's timeouts.
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    /** Copies {@code values}, so that the record stays immutable. */
    public WorkerOptions {
        values = Map.copyOf(values);
    }

    /**
     * Parses {@code args}; {@code names} are the options this worker accepts besides the common flags.
     *
     * @throws BadOptionException on an unknown, repeated or malformed argument
     */
    static WorkerOptions parse(String[] args, Set<String> names) {
        boolean ready = false;
        boolean help = false;
        Map<String, String> values = new HashMap<>();
        for (String arg : args) {
            Matcher m = OPTION.matcher(arg);
            if (!m.matches()) {
                throw new BadOptionException("unexpected argument '" + arg + "'");
            }
            String name = m.group(1);
            String value = m.group(2);
            switch (name) {
                case "ready", "help" -> {
                    if (value != null) {
                        throw new BadOptionException("--" + name + " takes no value");
                    }
                    if (name.equals("ready")) {
                        ready = true;
                    } else {
                        help = true;
                    }
                }
                default -> {
                    if (!names.contains(name)) {
                        throw new BadOptionException("unknown option --" + name);
                    }
                    if (value == null) {
                        throw new BadOptionException("--" + name + " needs a value: --" + name + "=VALUE");
                    }
                    if (values.putIfAbsent(name, value) != null) {
                        throw new BadOptionException("--" + name + " given twice");
                    }
                }
            }
        }
        return new WorkerOptions(ready, help, values);
    }

    /** The value of option {@code name}, or {@code defaultValue} when it was not given. */
    public String value(String name, String defaultValue) {
        return values.getOrDefault(name, defaultValue);
    }

    /**
     * The value of option {@code name} as a duration such as {@code 250ms}, {@code 5s}, {@code 2m} or
     * {@code 1h}, or {@code defaultValue} when it was not given.
     *
     * @throws BadOptionException when the value is not such a duration
     */
    public Duration duration(String name, Duration defaultValue) {
        String value = values.get(name);
        if (value == null) {
            return defaultValue;
        }
        Matcher m = DURATION.matcher(value);
        if (!m.matches()) {
            throw new BadOptionException(
                    "--" + name + ": bad duration '" + value + "' (write 250ms, 5s, 2m or 1h)");
        }
        try {
            long amount = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
            };
        } catch (ArithmeticException | NumberFormatException e) {
            throw new BadOptionException("--" + name + ": duration '" + value + "' is too long");
        }
    }

    /** A command line the worker cannot run with; its message is for the user. Exit status 64. */
    public static final class BadOptionException extends IllegalArgumentException {
        BadOptionException(String message) {
            super(message);
        }
    }
}
