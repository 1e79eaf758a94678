package dev.pooly.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** A pool's {@code framing:}: every form the contract names, and each bad one refused at its FILE:LINE:COLUMN with the allowed values. */
class FramingConfigTest {

    private static FramingSetting framing(String value) throws ConfigException {
        PoolyConfig config = ConfigLoader.load("version: 1\nsupervisor:\n  children:\n    - pool: {name: p, command: [cat], framing: "
                + value + "}\n", "pooly.yaml");
        return ((PoolNode) config.root().children().getFirst()).framing();
    }

    private static List<String> problems(String value) {
        String yaml = "version: 1\nsupervisor:\n  children:\n    - pool: {name: p, command: [cat], framing: " + value + "}\n";
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(yaml, "pooly.yaml"));
        assertThat(e).as("a ConfigException for %s", value).isNotNull();
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void everyKindLoadsWithItsSettings() throws ConfigException {
        assertThat(ConfigLoader.load("version: 1\nsupervisor:\n  children:\n    - pool: {name: p, command: [cat]}\n", "pooly.yaml")
                .root().children().getFirst()).extracting(c -> ((PoolNode) c).framing()).isEqualTo(FramingSetting.LINE);
        assertThat(framing("{kind: until, end: \"-- end --\", after: \".print '-- end --'\", max: 16MiB}"))
                .isEqualTo(new FramingSetting(FramingSetting.Kind.UNTIL, "-- end --", ".print '-- end --'", 0, 16L << 20));
        assertThat(framing("json")).isEqualTo(new FramingSetting(FramingSetting.Kind.JSON, null, null, 0, 16L << 20));
        assertThat(framing("packet")).isEqualTo(new FramingSetting(FramingSetting.Kind.PACKET, null, null, 4, 16L << 20));
        assertThat(framing("{kind: packet, size: 2, max: 1KB}")).isEqualTo(new FramingSetting(FramingSetting.Kind.PACKET, null, null, 2, 1024));
        assertThat(framing("content_length").kind()).isEqualTo(FramingSetting.Kind.CONTENT_LENGTH);
        assertThat(framing("{kind: nul, max: 1GiB}")).isEqualTo(new FramingSetting(FramingSetting.Kind.NUL, null, null, 0, 1L << 30));
    }

    @Test
    void badFramingsAreRefusedAtTheirPlaceNamingTheAllowedValues() {
        assertThat(problems("lines")).containsExactly(
                "pooly.yaml:4:48: unknown framing 'lines'; expected line, until, json, packet, content_length or nul");
        assertThat(problems("{kind: packet, size: 3}")).containsExactly(
                "pooly.yaml:4:69: framing packet size must be 1, 2 or 4 (bytes of big-endian length), got 3");
        assertThat(problems("until")).containsExactly(
                "pooly.yaml:4:48: framing until needs an 'end': write {kind: until, end: \"-- end --\"} (the line that ends each answer)");
        assertThat(problems("{kind: until}")).containsExactly(
                "pooly.yaml:4:49: framing until needs an 'end': the line that ends each answer, e.g. end: \"-- end --\"");
        assertThat(problems("{kind: nul, max: 0}")).containsExactly("pooly.yaml:4:65: max must be 1 or more, got 0");
        assertThat(problems("{kind: nul, max: 2GiB}")).containsExactly(
                "pooly.yaml:4:65: framing max must be at most 1GiB (1073741824 bytes), got 2147483648");
        assertThat(problems("{kind: json, end: x}")).containsExactly("pooly.yaml:4:61: framing end goes with kind until, not json");
        assertThat(problems("{size: 4}")).containsExactly("pooly.yaml:4:39: framing needs a 'kind': line, until, json, packet, content_length or nul");
        assertThat(problems("{kind: packet, sise: 4}")).hasSize(1).first().asString().startsWith("pooly.yaml:4:63: unknown key 'sise'");
        assertThat(problems("[line]")).containsExactly(
                "pooly.yaml:4:48: framing must be one of line, until, json, packet, content_length or nul, or a mapping such as {kind: packet, size: 4}; got a list");
    }

    @Test
    void aMultiLineHealthRequestIsTakenWhereTheFramingCarriesItAndRefusedOnALinePool() throws ConfigException {
        String until = "version: 1\nsupervisor:\n  children:\n    - pool: {name: p, command: [sqlite3], framing: {kind: until, end: E, after: \".print E\"},"
                + " health: {request: \"select 1;\\nselect 2;\", expect: \"1\\n2\"}}\n";
        PoolNode pool = (PoolNode) ConfigLoader.load(until, "pooly.yaml").root().children().getFirst();
        assertThat(pool.health().request()).isEqualTo("select 1;\nselect 2;");
        String line = "version: 1\nsupervisor:\n  children:\n    - pool: {name: p, command: [cat], health: {request: \"a\\nb\", expect: x}}\n";
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(line, "pooly.yaml"));
        assertThat(e.problems().stream().map(ConfigProblem::toString)).containsExactly(
                "pooly.yaml:4:57: health request must be one line on a pool with framing line; a framing such as until, json or packet carries several");
    }
}
