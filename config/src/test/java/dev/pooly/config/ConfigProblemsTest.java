package dev.pooly.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Each kind of bad input, with the exact place and words that {@code pooly validate} prints. */
class ConfigProblemsTest {

    @Test
    void textThatIsNotYamlIsReportedAtTheParsersPosition() {
        assertThat(problems("""
                version: 1
                supervisor:
                  strategy: one_for_one: yes
                """)).containsExactly("pooly.yaml:3:24: not valid YAML: mapping values are not allowed here");
    }

    @Test
    void aYamlSyntaxErrorAlsoNamesWhereTheConstructItBrokeStarted() {
        assertThat(problems("""
                version: 1
                supervisor:
                  children:
                    - process:
                        id: x
                      bad
                """)).containsExactly(
                "pooly.yaml:7:1: not valid YAML: could not find expected ':' (while scanning a simple key at 6:7)");
    }

    @Test
    void anEmptyFileIsReported() {
        assertThat(problems("")).containsExactly(
                "pooly.yaml:1:1: the file is empty; a config needs at least 'version: 1' and a 'supervisor'");
        assertThat(problems("# nothing but a comment\n")).containsExactly(
                "pooly.yaml:1:1: the file is empty; a config needs at least 'version: 1' and a 'supervisor'");
        assertThat(problems("# a document with nothing in it\n---\n")).containsExactly(
                "pooly.yaml:1:1: the file is empty; a config needs at least 'version: 1' and a 'supervisor'");
    }

    @Test
    void aTopLevelThatIsNotAMappingIsReported() {
        assertThat(problems("- version: 1\n")).containsExactly(
                "pooly.yaml:1:1: the top level must be a mapping with version, control, logs and supervisor; got a list");
    }

    @Test
    void aMissingVersionIsReported() {
        assertThat(problems("""
                # pooly
                supervisor: {}
                """)).containsExactly("pooly.yaml:2:1: missing 'version: 1'");
    }

    @Test
    void anyVersionButOneIsReportedAtItsValue() {
        assertThat(problems("version: 2\nsupervisor: {}\n"))
                .containsExactly("pooly.yaml:1:10: version must be 1, got an integer 2");
        assertThat(problems("version: \"1\"\nsupervisor: {}\n"))
                .containsExactly("pooly.yaml:1:10: version must be 1, got a string '1'");
    }

    @Test
    void aMissingRootSupervisorIsReported() {
        assertThat(problems("version: 1\n"))
                .containsExactly("pooly.yaml:1:1: missing 'supervisor': the root of the supervision tree");
    }

    @Test
    void unknownKeyIsReportedWithItsLineAndColumnAndASuggestion() {
        assertThat(problems("""
                version: 1
                supervisor:
                  children:
                    - pool:
                        name: upper
                        command: [cat]
                        max_overflw: 3
                """)).containsExactly("pooly.yaml:7:9: unknown key 'max_overflw' in pool; did you mean 'max_overflow'?");
    }

    @Test
    void anUnknownKeySpelledInAnotherCaseStyleIsRecognised() {
        assertThat(problems("""
                version: 1
                supervisor:
                  maxRestarts: 3
                """)).containsExactly("pooly.yaml:3:3: unknown key 'maxRestarts' in supervisor; did you mean 'max_restarts'?");
    }

    @Test
    void anUnknownKeyWithNothingCloseListsTheKeysThereAre() {
        assertThat(problems("""
                version: 1
                logs:
                  colour: always
                supervisor: {}
                """)).containsExactly(
                "pooly.yaml:3:3: unknown key 'colour' in logs; expected one of: dir, max_bytes, backups, to");
    }

    @Test
    void aKeyOfAnotherKindOfNodeSaysWhoseItIs() {
        assertThat(problems("""
                version: 1
                supervisor:
                  children:
                    - process: {id: web, command: [web], max_overflow: 2}
                    - pool: {id: workers, command: [cat]}
                """)).containsExactly(
                "pooly.yaml:4:42: unknown key 'max_overflow' in process; 'max_overflow' is a pool setting",
                "pooly.yaml:5:7: pool is missing its 'name'",
                "pooly.yaml:5:14: unknown key 'id' in pool; did you mean 'name'?");
    }

    @Test
    void aValueOfTheWrongTypeIsReportedAtTheValue() {
        assertThat(problems("""
                version: 1
                supervisor:
                  max_restarts: three
                  children:
                    - pool:
                        name: upper
                        command: [cat]
                        size: 2.5
                        env: [A=1]
                        cwd: 7
                """)).containsExactly(
                "pooly.yaml:3:17: max_restarts must be an integer, got a string 'three'",
                "pooly.yaml:8:15: size must be an integer, got a number 2.5",
                "pooly.yaml:9:14: env must be a mapping, got a list",
                "pooly.yaml:10:14: cwd must be a string, got an integer 7");
    }

    @Test
    void childrenThatAreNotAListAreReported() {
        assertThat(problems("""
                version: 1
                supervisor:
                  children:
                    process: {id: a, command: [a]}
                """)).containsExactly("pooly.yaml:4:5: children must be a list, got a mapping");
    }

    @Test
    void aBadDurationSaysWhatIsAccepted() {
        assertThat(problems("""
                version: 1
                supervisor:
                  children:
                    - pool:
                        name: upper
                        command: [cat]
                        checkout_timeout: 5 sec
                        lease_timeout: 30
                        shutdown: soon
                """)).containsExactly(
                "pooly.yaml:7:27: bad duration '5 sec' for checkout_timeout: write a whole number and a unit "
                        + "(ms, s, m or h), e.g. 250ms, 5s, 2m, 1h",
                "pooly.yaml:8:24: bad duration 30 for lease_timeout: it needs a unit, e.g. 30s or 30ms",
                "pooly.yaml:9:19: bad duration 'soon' for shutdown: write a whole number and a unit "
                        + "(ms, s, m or h), e.g. 250ms, 5s, 2m, 1h, or brutal_kill or infinity");
    }

    @Test
    void aBadSizeSaysWhatIsAccepted() {
        assertThat(problems("""
                version: 1
                logs:
                  max_bytes: 10 MB
                supervisor: {}
                """)).containsExactly("pooly.yaml:3:14: bad size '10 MB' for max_bytes: write a whole number of bytes, "
                + "optionally with KB, MB or GB, e.g. 512, 64KB, 10MB, 1GB");
    }

    @Test
    void aDuplicateIdAnywhereInTheFileIsReportedAtTheSecondWithThePlaceOfTheFirst() {
        assertThat(problems("""
                version: 1
                supervisor:
                  children:
                    - process: {id: cache, command: [redis-server]}
                    - supervisor:
                        id: backend
                        children:
                          - pool: {name: cache, command: [cat]}
                          - supervisor: {id: root}
                """)).containsExactly(
                "pooly.yaml:8:26: duplicate name 'cache': already used by the process at 4:21; "
                        + "ids and pool names are unique in the whole file",
                "pooly.yaml:9:30: duplicate id 'root': already used by the root supervisor at 2:1; "
                        + "ids and pool names are unique in the whole file");
    }

    @Test
    void aMissingIdOrNameIsReportedAtTheNode() {
        assertThat(problems("""
                version: 1
                supervisor:
                  children:
                    - process: {command: [a]}
                    - pool: {command: [b]}
                    - supervisor: {}
                """)).containsExactly(
                "pooly.yaml:4:7: process is missing its 'id'",
                "pooly.yaml:5:7: pool is missing its 'name'",
                "pooly.yaml:6:7: supervisor is missing its 'id'");
    }

    @Test
    void anIdThatCouldNotBeUsedOnACommandLineIsReported() {
        assertThat(problems("""
                version: 1
                supervisor:
                  children:
                    - process: {id: my cache, command: [a]}
                """)).containsExactly("pooly.yaml:4:21: id 'my cache' must start with a letter or digit and hold only "
                + "letters, digits, '.', '_' and '-'");
    }

    @Test
    void aMissingOrEmptyCommandIsReported() {
        assertThat(problems("""
                version: 1
                supervisor:
                  children:
                    - process: {id: a}
                    - process: {id: b, command: []}
                    - process: {id: c, command: ["", x]}
                """)).containsExactly(
                "pooly.yaml:4:7: missing 'command': the program and its arguments as a list, e.g. "
                        + "[redis-server, --port, \"7777\"]",
                "pooly.yaml:5:33: command is empty; its first item is the program to run",
                "pooly.yaml:6:34: command[0] is empty; it must name the program to run");
    }

    @Test
    void aCommandThatIsNotAListOfStringsIsReported() {
        assertThat(problems("""
                version: 1
                supervisor:
                  children:
                    - process: {id: a, command: redis-server --port 7777}
                    - process: {id: b, command: [redis-server, --port, 7777]}
                """)).containsExactly(
                "pooly.yaml:4:33: command must be a list of strings, program first (no shell is used), e.g. "
                        + "[redis-server, --port, \"7777\"]; got a string 'redis-server --port 7777'",
                "pooly.yaml:5:56: command[2] must be a string, got an integer 7777; quote it: \"7777\"");
    }

    @Test
    void negativeCountsAndANonPositiveMaxSecondsAreReported() {
        assertThat(problems("""
                version: 1
                supervisor:
                  max_restarts: -1
                  max_seconds: 0
                  children:
                    - pool:
                        name: p
                        command: [cat]
                        size: -2
                        max_overflow: -3
                        max_uses: -4
                """)).containsExactly(
                "pooly.yaml:3:17: max_restarts must be 0 or more, got -1",
                "pooly.yaml:4:16: max_seconds must be 1 or more, got 0",
                "pooly.yaml:9:15: size must be 0 or more, got -2",
                "pooly.yaml:10:23: max_overflow must be 0 or more, got -3",
                "pooly.yaml:11:19: max_uses must be 0 or more, got -4");
    }

    @Test
    void aPoolThatCouldNeverLendAWorkerIsReported() {
        assertThat(problems("""
                version: 1
                supervisor:
                  children:
                    - pool: {name: none, command: [cat], size: 0}
                """)).containsExactly(
                "pooly.yaml:4:42: pool 'none' could never lend a worker: size and max_overflow are both 0");
    }

    @Test
    void unknownStrategyRestartAndOnAbandonValuesListTheAllowedOnes() {
        assertThat(problems("""
                version: 1
                supervisor:
                  strategy: lifo
                  children:
                    - process: {id: a, command: [a], restart: always}
                    - pool: {name: p, command: [cat], strategy: one_for_one, on_abandon: kill}
                """)).containsExactly(
                "pooly.yaml:3:13: unknown strategy 'lifo' for supervisor; expected one_for_one, one_for_all or rest_for_one",
                "pooly.yaml:5:47: unknown restart 'always' for process; expected permanent, transient or temporary",
                "pooly.yaml:6:49: unknown strategy 'one_for_one' for pool; expected lifo or fifo",
                "pooly.yaml:6:74: unknown on_abandon 'kill' for pool; expected replace or return");
    }

    @Test
    void aChildEntryMustBeExactlyOneOfProcessPoolOrSupervisor() {
        assertThat(problems("""
                version: 1
                supervisor:
                  children:
                    - {}
                    - process: {id: a, command: [a]}
                      pool: {name: b, command: [b]}
                    - worker: {id: c}
                    - just a string
                """)).containsExactly(
                "pooly.yaml:4:7: a child entry is empty; write process:, pool: or supervisor:",
                "pooly.yaml:6:7: a child entry takes one of process, pool or supervisor, got both 'process' and 'pool'; "
                        + "start each child with its own '-'",
                "pooly.yaml:7:7: unknown key 'worker' in a child entry; expected one of: process, pool, supervisor",
                "pooly.yaml:8:7: a child entry must be a mapping with one key, process, pool or supervisor; "
                        + "got a string 'just a string'");
    }

    @Test
    void settingsIndentedBesideTheirNodeInsteadOfUnderItAreReported() {
        assertThat(problems("""
                version: 1
                supervisor:
                  children:
                    - process:
                      id: cache
                      command: [redis-server]
                """)).containsExactly(
                "pooly.yaml:4:7: process must be a mapping of its settings, got nothing",
                "pooly.yaml:5:7: unknown key 'id' in a child entry; indent it under 'process'",
                "pooly.yaml:6:7: unknown key 'command' in a child entry; indent it under 'process'");
    }

    @Test
    void readyWithBothDelayAndLineIsReported() {
        assertThat(problems("""
                version: 1
                supervisor:
                  children:
                    - process: {id: a, command: [a], ready: {delay: 1s, line: READY}}
                    - process: {id: b, command: [b], ready: {timeout: 3s}}
                    - process: {id: c, command: [c], ready: READY}
                """)).containsExactly(
                "pooly.yaml:4:57: ready takes delay or line, not both",
                "pooly.yaml:5:46: ready timeout goes with line: it bounds the wait for the ready line",
                "pooly.yaml:6:45: ready must be a mapping, {delay: 1s} or {line: READY, timeout: 10s}; got a string 'READY'");
    }

    @Test
    void aKeyWrittenTwiceInOneMappingIsReportedAtTheSecond() {
        assertThat(problems("""
                version: 1
                supervisor:
                  max_restarts: 3
                  strategy: one_for_all
                  max_restarts: 4
                """)).containsExactly("pooly.yaml:5:3: duplicate key 'max_restarts'; the first is at 3:3");
    }

    @Test
    void envNamesAndValuesAreChecked() {
        assertThat(problems("""
                version: 1
                supervisor:
                  children:
                    - process:
                        id: a
                        command: [a]
                        env: {"A=B": x, EMPTY: ~, LIST: [1]}
                """)).containsExactly(
                "pooly.yaml:7:15: env name 'A=B' must be non-empty and hold no '='",
                "pooly.yaml:7:32: env EMPTY must be a string, got null; write \"\" for an empty value",
                "pooly.yaml:7:41: env LIST must be a string, got a list");
    }

    @Test
    void aliasesAndASecondDocumentAreReported() {
        assertThat(problems("""
                version: 1
                supervisor:
                  children:
                    - process: {id: a, command: &cmd [a]}
                    - process: {id: b, command: *cmd}
                ---
                version: 1
                """)).containsExactly(
                "pooly.yaml:5:33: YAML aliases (*cmd) are not supported; write the value out",
                "pooly.yaml:7:1: a config file holds one YAML document; remove this second one");
    }

    @Test
    void everyProblemInTheFileIsReportedInOneGoInFileOrder() {
        assertThat(problems("""
                version: 2
                control:
                  sockett: x.sock
                supervisor:
                  strategy: one_for_none
                  children:
                    - process:
                        id: web
                        command: []
                        shutdown: 5
                    - pool:
                        name: web
                        command: [cat]
                        size: -1
                """)).containsExactly(
                "pooly.yaml:1:10: version must be 1, got an integer 2",
                "pooly.yaml:3:3: unknown key 'sockett' in control; did you mean 'socket'?",
                "pooly.yaml:5:13: unknown strategy 'one_for_none' for supervisor; expected one_for_one, one_for_all or rest_for_one",
                "pooly.yaml:9:18: command is empty; its first item is the program to run",
                "pooly.yaml:10:19: bad duration 5 for shutdown: it needs a unit, e.g. 5s or 5ms, or brutal_kill or infinity",
                "pooly.yaml:12:15: duplicate name 'web': already used by the process at 8:13; "
                        + "ids and pool names are unique in the whole file",
                "pooly.yaml:14:15: size must be 0 or more, got -1");
    }

    @Test
    void theExceptionMessageIsOneFileLineColumnLinePerProblem() {
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.load("version: 3\nsupervisor: {max_seconds: 0}\n", "conf/pooly.yaml"));

        assertThat(e.getMessage()).isEqualTo(String.join(System.lineSeparator(),
                "conf/pooly.yaml:1:10: version must be 1, got an integer 3",
                "conf/pooly.yaml:2:27: max_seconds must be 1 or more, got 0"));
    }

    @Test
    void aFileThatIsNotUtf8IsReportedAtTheFirstBadByte(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("latin1.yaml");
        Files.write(file, "version: 1\nsupervisor: {id: caf\u00e9}\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file));

        assertThat(e.problems()).containsExactly(new ConfigProblem(file.toString(), 2, 21,
                "not UTF-8 text: byte 0xe9 cannot start a character here"));
    }

    @Test
    void aBadMetricsListenAddressOrDrainIsReportedAtTheValue() {
        assertThat(problems("""
                version: 1
                metrics:
                  listen: localhost
                shutdown:
                  drain: 30
                supervisor: {}
                """)).containsExactly(
                "pooly.yaml:3:11: bad metrics.listen 'localhost': write HOST:PORT with a port 1-65535, "
                        + "e.g. 127.0.0.1:9464, 0.0.0.0:9464 or [::1]:9464",
                "pooly.yaml:5:10: bad duration 30 for drain: it needs a unit, e.g. 30s or 30ms");
    }

    @Test
    void aMetricsSectionWithoutListenIsReported() {
        assertThat(problems("""
                version: 1
                metrics: {}
                supervisor: {}
                """)).containsExactly(
                "pooly.yaml:2:10: metrics needs 'listen: HOST:PORT', e.g. 127.0.0.1:9464 (leave out 'metrics' for no listener)");
    }

    @Test
    void aNonLoopbackHttpListenWithoutATokenFileIsAConfigErrorAtTheAddress() {
        assertThat(problems("""
                version: 1
                http:
                  listen: 0.0.0.0:8765
                supervisor: {}
                """)).containsExactly(
                "pooly.yaml:3:11: http.listen 0.0.0.0:8765 is not a loopback address: set http.token_file (clients then send "
                        + "'Authorization: Bearer <token>'), or listen on 127.0.0.1 or [::1]");
        assertThat(problems("""
                version: 1
                http: {listen: "example.org:80", sockets: x}
                supervisor: {}
                """)).anySatisfy(p -> assertThat(p).startsWith("pooly.yaml:2:16: http.listen example.org:80 is not a loopback address"))
                .anySatisfy(p -> assertThat(p).contains("sockets"));
    }

    private static List<String> problems(String yaml) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(yaml, "pooly.yaml"));
        assertThat(e).as("a ConfigException for:%n%s", yaml).isNotNull();
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }
}
