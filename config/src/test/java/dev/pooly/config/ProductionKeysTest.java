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

    @Test
    void poolHealthIsReadWithItsDefaults() throws ConfigException {
        PoolyConfig config = ConfigLoader.load(HEAD + """
                    - pool: {name: q, command: [cat], health: {request: PING, expect: PONG}}
                    - pool: {name: r, command: [cat]}
                """, "pooly.yaml");
        assertThat(((PoolNode) config.root().children().get(0)).health())
                .isEqualTo(new PoolHealthSetting("PING", "PONG", Duration.ofSeconds(10), Duration.ofSeconds(1), false));
        assertThat(((PoolNode) config.root().children().get(1)).health()).isNull();
    }

    @Test
    void badPoolHealthValuesAreReportedAtTheirPlace() {
        assertThat(problems(HEAD + """
                    - pool:
                        name: q
                        command: [cat]
                        health: {expect: PONG, every: -1s, on_checkout: maybe}
                    - pool:
                        name: r
                        command: [cat]
                        health:
                          request: PING
                          timeout: 0s
                          every: 0s
                """)).containsExactly(
                "pooly.yaml:7:18: health needs a 'request': the line written to a worker to check it, e.g. PING; expect without request checks nothing",
                "pooly.yaml:7:39: bad duration '-1s' for every: write " + Durations.FORMS,
                "pooly.yaml:7:57: on_checkout must be true or false, got a string 'maybe'",
                "pooly.yaml:12:11: health needs an 'expect': the answer a healthy worker gives, e.g. PONG",
                "pooly.yaml:13:20: health timeout must be more than 0s",
                "pooly.yaml:14:18: health every 0s checks nothing unless on_checkout is true");
    }

    @Test
    void poolMaxMemoryIsASize() throws ConfigException {
        PoolyConfig config = ConfigLoader.load(HEAD + """
                    - pool: {name: q, command: [cat], max_memory: 256MB}
                    - pool: {name: r, command: [cat]}
                """, "pooly.yaml");
        assertThat(((PoolNode) config.root().children().get(0)).maxMemory()).isEqualTo(256L << 20);
        assertThat(((PoolNode) config.root().children().get(1)).maxMemory()).isZero();
        assertThat(problems(HEAD + """
                    - pool: {name: q, command: [cat], max_memory: -5MB}
                """)).containsExactly("pooly.yaml:4:51: bad size '-5MB' for max_memory: write a whole number of bytes, "
                + "optionally with KB, MB or GB, e.g. 512, 64KB, 10MB, 1GB");
    }

    @Test
    void processHealthAndMaxMemoryAreReadWithTheirDefaults() throws ConfigException {
        PoolyConfig config = ConfigLoader.load(HEAD + """
                    - process:
                        id: p
                        command: [sleep, "9"]
                        health: {command: [sh, -c, "exit 0"], retries: 5}
                        max_memory: 512MB
                """, "pooly.yaml");
        ProcessNode p = (ProcessNode) config.root().children().getFirst();
        assertThat(p.health()).isEqualTo(new ProcessHealthSetting(List.of("sh", "-c", "exit 0"), Duration.ofSeconds(10),
                Duration.ofSeconds(2), 5, Duration.ofSeconds(10)));
        assertThat(p.maxMemory()).isEqualTo(512L << 20);
    }

    @Test
    void badProcessHealthValuesAreReportedAtTheirPlace() {
        assertThat(problems(HEAD + """
                    - process:
                        id: p
                        command: [sleep, "9"]
                        health: {every: 0s, retries: 0, grace: soon}
                """)).containsExactly(
                "pooly.yaml:7:9: health needs a 'command': the check to run, exit 0 when healthy, e.g. [sh, -c, 'curl -fsS localhost:8080/health']",
                "pooly.yaml:7:25: health every must be more than 0s",
                "pooly.yaml:7:38: retries must be 1 or more, got 0",
                "pooly.yaml:7:48: bad duration 'soon' for grace: write " + Durations.FORMS);
    }

    private static List<String> problems(String yaml) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(yaml, "pooly.yaml"));
        assertThat(e).as("a ConfigException for:%n%s", yaml).isNotNull();
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }
}
