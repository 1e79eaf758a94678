package dev.pooly.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The {@code log} section: its values, its defaults, and bad values reported where they are. */
class DaemonLogConfigTest {

    @Test
    void levelAndFormatAreReadAndDefaultToInfoAndText() throws Exception {
        PoolyConfig with = ConfigLoader.load("version: 1\nlog: {level: debug, format: json}\nsupervisor: {}\n", "pooly.yaml");
        PoolyConfig without = ConfigLoader.load("version: 1\nsupervisor: {}\n", "pooly.yaml");
        PoolyConfig empty = ConfigLoader.load("version: 1\nlog:\nsupervisor: {}\n", "pooly.yaml");

        assertThat(with.log()).isEqualTo(new DaemonLogSettings(DaemonLogSettings.Level.DEBUG, DaemonLogSettings.Format.JSON));
        assertThat(without.log()).isEqualTo(DaemonLogSettings.DEFAULT);
        assertThat(empty.log()).isEqualTo(new DaemonLogSettings(DaemonLogSettings.Level.INFO, DaemonLogSettings.Format.TEXT));
    }

    @Test
    void anUnknownLevelOrFormatIsAConfigErrorAtItsLineAndColumn() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load("""
                version: 1
                log:
                  level: verbose
                  format: xml
                supervisor: {}
                """, "pooly.yaml"));

        assertThat(e.problems().stream().map(ConfigProblem::toString)).containsExactly(
                "pooly.yaml:3:10: unknown level 'verbose' for log; expected error, warn, info or debug",
                "pooly.yaml:4:11: unknown format 'xml' for log; expected text or json");
    }

    @Test
    void anUnknownKeyInLogIsAConfigError() {
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.load("version: 1\nlog: {levle: debug}\nsupervisor: {}\n", "pooly.yaml"));

        assertThat(e.problems()).singleElement().asString().startsWith("pooly.yaml:2:7: ").contains("levle");
    }
}
