package dev.pooly.config;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The contract's duration syntax ({@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}), for the config
 * file and for command-line options alike. Thread-safe (stateless).
 */
public final class Durations {
    /** What is accepted, for error messages. */
    public static final String FORMS = "a whole number and a unit (ms, s, m or h), e.g. 250ms, 5s, 2m, 1h";

    // A unit is required: a bare number of "seconds or milliseconds?" is a classic misconfiguration.
    private static final Pattern DURATION = Pattern.compile("([0-9]+)(ms|s|m|h)");

    private Durations() {}

    /** Empty when {@code text} is not a duration the contract accepts, or is too large to hold. */
    public static Optional<Duration> parse(String text) {
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) return Optional.empty();
        ChronoUnit unit = switch (m.group(2)) {
            case "ms" -> ChronoUnit.MILLIS;
            case "s" -> ChronoUnit.SECONDS;
            case "m" -> ChronoUnit.MINUTES;
            default -> ChronoUnit.HOURS;
        };
        try {
            return Optional.of(Duration.of(Long.parseLong(m.group(1)), unit));
        } catch (ArithmeticException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
