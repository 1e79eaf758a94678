package dev.pooly.config.internal;

import dev.pooly.config.Durations;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two quantity syntaxes of the contract: durations ({@code 250ms}, {@code 5s}, {@code 2m},
 * {@code 1h}), parsed by {@link Durations} as the command line's are, and byte sizes ({@code 512},
 * {@code 64KB}, {@code 10MB}, {@code 1GB}; {@code KiB}, {@code MiB}, {@code GiB} are the same multiples). The same patterns appear in {@code pooly.schema.json}.
 */
final class Quantities {

    static final String DURATION_FORMS = Durations.FORMS;
    static final String SIZE_FORMS = "a whole number of bytes, optionally with KB, MB or GB, e.g. 512, 64KB, 10MB, 1GB";

    private static final Pattern SIZE = Pattern.compile("([0-9]+)(KB|MB|GB|KiB|MiB|GiB)?");

    private Quantities() {}

    /** Empty when {@code text} is not a duration the contract accepts, or is too large to hold. */
    static Optional<Duration> duration(String text) {
        return Durations.parse(text);
    }

    /** Bytes, with binary multiples (1KB = 1024); empty when not a size or too large for a long. */
    static Optional<Long> size(String text) {
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) return Optional.empty();
        int shift = m.group(2) == null ? 0 : switch (m.group(2)) {
            case "KB", "KiB" -> 10;
            case "MB", "MiB" -> 20;
            default -> 30;
        };
        try {
            long number = Long.parseLong(m.group(1));
            if (number > Long.MAX_VALUE >> shift) return Optional.empty();
            return Optional.of(number << shift);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
