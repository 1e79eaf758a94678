package dev.pooly.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The round-2 production keys (backoff, ...): what they read as, and each bad value at its place. */
class ProductionKeysTest {

    private static final String HEAD = """
            version: 1
            supervisor:
              children:
            """;

    @Test
    void backoffDefaultsToTheContractsValuesForProcessesAndPools() throws ConfigException {
        PoolyConfig config = ConfigLoader.load(HEAD + """
                    - process: {id: p, command: [sleep, "9"]}
                    - pool: {name: q, command: [cat]}
                """, "pooly.yaml");
        assertThat(((ProcessNode) config.root().children().get(0)).backoff()).isEqualTo(BackoffSetting.DEFAULT);
        assertThat(((PoolNode) config.root().children().get(1)).backoff()).isEqualTo(BackoffSetting.DEFAULT);
        assertThat(BackoffSetting.DEFAULT).isEqualTo(new BackoffSetting(Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofSeconds(30), 2, 0.2));
    }

    @Test
    void backoffKeysAreReadAndOthersKeepTheirDefaults() throws ConfigException {
        PoolyConfig config = ConfigLoader.load(HEAD + """
                    - process:
                        id: p
                        command: [sleep, "9"]
                        backoff: {min: 1s, max: 1m, factor: 1.5, jitter: 0}
                """, "pooly.yaml");
        assertThat(((ProcessNode) config.root().children().getFirst()).backoff())
                .isEqualTo(new BackoffSetting(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofMinutes(1), 1.5, 0));
    }

    @Test
    void badBackoffValuesAreReportedAtTheirPlace() {
        assertThat(problems(HEAD + """
                    - process:
                        id: p
                        command: [sleep, "9"]
                        backoff: {min_uptime: -1s, jitter: 1.5, factor: 0.5, colour: red}
                    - pool:
                        name: q
                        command: [cat]
                        backoff:
                          min: 10s
                          max: 1s
                          jitter: lots
                """)).containsExactly(
                "pooly.yaml:7:31: bad duration '-1s' for min_uptime: write " + Durations.FORMS,
                "pooly.yaml:7:44: jitter must be within 0..1, got 1.5",
                "pooly.yaml:7:57: factor must be within 1..1000, got 0.5",
                "pooly.yaml:7:62: unknown key 'colour' in backoff; expected one of: min_uptime, min, max, factor, jitter",
                "pooly.yaml:13:11: backoff max 1000ms is below min 10000ms (max is the cap on the delay; min its start)",
                "pooly.yaml:14:19: jitter must be a number, got a string 'lots'");
    }

    @Test
    void backoffMustBeAMapping() {
        assertThat(problems(HEAD + """
                    - process: {id: p, command: [sleep, "9"], backoff: 5s}
                """)).containsExactly("pooly.yaml:4:56: backoff must be a mapping, got a string '5s'");
    }

    private static List<String> problems(String yaml) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(yaml, "pooly.yaml"));
        assertThat(e).as("a ConfigException for:%n%s", yaml).isNotNull();
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }
}
