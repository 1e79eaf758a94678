package dev.pooly.cli.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import dev.pooly.config.DaemonLogSettings;
import org.slf4j.LoggerFactory;

/**
 * The daemon's own log: Logback, configured in code (no {@code logback.xml} to look for or parse), one
 * appender on stderr with a text or a JSON-lines encoder ({@link JsonLineEncoder}) and the root
 * level from {@code log.level}. Until the config is read, {@link Defaults} gives text at info.
 *
 * <p>Thread-safety: {@link #apply} is called by the daemon's main thread before and after the config
 * is read; Logback swaps appenders and levels safely while other threads log.
 */
public final class DaemonLog {
    /** Today's line: {@code 2026-12-07T06:20:51.123+00:00 [INFO] lease - message}, then a stack trace if any. */
    static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} [%level] %logger{0} - %msg%n";

    private DaemonLog() {}

    /** Logs from now on at {@code settings.level()} in {@code settings.format()}, to stderr. */
    public static void apply(DaemonLogSettings settings) {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) install(context, settings);
    }

    static void install(LoggerContext context, DaemonLogSettings settings) {
        Encoder<ILoggingEvent> encoder;
        if (settings.format() == DaemonLogSettings.Format.JSON) {
            encoder = new JsonLineEncoder();
        } else {
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setPattern(TEXT_PATTERN);
            encoder = text;
        }
        encoder.setContext(context);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("stderr");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        // Add the new appender before the old one goes, so that no event in between is lost.
        ch.qos.logback.core.Appender<ILoggingEvent> old = root.getAppender("stderr");
        if (old != null) root.detachAppender(old);
        root.addAppender(stderr);
        root.setLevel(level(settings.level()));
        if (old != null) old.stop();
    }

    static Level level(DaemonLogSettings.Level level) {
        return switch (level) {
            case ERROR -> Level.ERROR;
            case WARN -> Level.WARN;
            case INFO -> Level.INFO;
            case DEBUG -> Level.DEBUG;
        };
    }

    /**
     * Logback's first configuration (found through {@code META-INF/services}): text at info on stderr,
     * and nothing else is looked for. Public for the service loader only.
     */
    public static final class Defaults extends ContextAwareBase implements Configurator {
        @Override public ExecutionStatus configure(LoggerContext context) {
            install(context, DaemonLogSettings.DEFAULT);
            return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
        }
    }
}
