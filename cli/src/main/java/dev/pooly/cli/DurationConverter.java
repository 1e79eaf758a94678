package dev.pooly.cli;

import dev.pooly.config.Durations;
import picocli.CommandLine;

import java.time.Duration;

/** {@code --timeout 250ms|5s|2m|1h}, the same forms as the config file. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override public Duration convert(String value) {
        return Durations.parse(value).orElseThrow(() -> new CommandLine.TypeConversionException(
                "'" + value + "' is not a duration: " + Durations.FORMS));
    }
}
