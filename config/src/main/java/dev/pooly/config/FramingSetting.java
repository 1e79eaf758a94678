package dev.pooly.config;

import java.util.Locale;
import java.util.Objects;

/**
 * A pool's {@code framing:}: where its requests and answers begin and end (contract section 5). The
 * bare string ({@code framing: json}) or a mapping ({@code {kind: until, end: "-- end --"}}). Immutable.
 *
 * @param end   {@code until}: the line that ends an answer; null for other kinds
 * @param after {@code until}: a line written after each request (a REPL is asked to print {@code end}); null for none
 * @param size  {@code packet}: bytes of big-endian length (1, 2 or 4); 0 for other kinds
 * @param max   the largest frame either way, in bytes
 */
public record FramingSetting(Kind kind, String end, String after, int size, long max) {
    /** 16 MiB. */
    public static final long DEFAULT_MAX = 16L << 20;
    /** 1 GiB: the largest {@code max}. */
    public static final long MAX_MAX = 1L << 30;
    /** Today's default: one line each way. */
    public static final FramingSetting LINE = new FramingSetting(Kind.LINE, null, null, 0, DEFAULT_MAX);

    /** The {@code kind} of framing, as the config file names it ({@link #configName()}). Immutable. */
    public enum Kind {
        LINE, UNTIL, JSON, PACKET, CONTENT_LENGTH, NUL;

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public FramingSetting {
        Objects.requireNonNull(kind, "kind");
        if (max < 1 || max > MAX_MAX) throw new IllegalArgumentException("framing max must be between 1 byte and 1GiB, was " + max);
        if (kind == Kind.UNTIL && (end == null || end.isEmpty())) throw new IllegalArgumentException("framing until needs an end");
        if (kind == Kind.PACKET && size != 1 && size != 2 && size != 4) throw new IllegalArgumentException("framing packet size must be 1, 2 or 4");
    }
}
