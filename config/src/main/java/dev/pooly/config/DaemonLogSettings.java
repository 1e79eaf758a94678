package dev.pooly.config;

import java.util.Locale;
import java.util.Objects;

/**
 * The {@code log} section: the daemon's own log on stderr (not its children's output, which is
 * {@link LogSettings}). Immutable.
 *
 * @param level  the least severe level written; {@code pooly daemon --log-level} overrides it
 * @param format {@code text} (one line per event) or {@code json} (one JSON object per line)
 */
public record DaemonLogSettings(Level level, Format format) {

    /** The defaults: {@code {level: info, format: text}}. */
    public static final DaemonLogSettings DEFAULT = new DaemonLogSettings(Level.INFO, Format.TEXT);

    public DaemonLogSettings {
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(format, "format");
    }

    /** {@code log.level}, most severe first. Immutable. */
    public enum Level {
        ERROR, WARN, INFO, DEBUG;

        /** As written in the config file and on the command line, e.g. {@code debug}. */
        public String configName() { return name().toLowerCase(Locale.ROOT); }
    }

    /** {@code log.format}. Immutable. */
    public enum Format {
        TEXT, JSON;

        /** As written in the config file, e.g. {@code json}. */
        public String configName() { return name().toLowerCase(Locale.ROOT); }
    }
}
