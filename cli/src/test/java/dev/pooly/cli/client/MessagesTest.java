package dev.pooly.cli.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client's JSON lines: what it writes reads back the same, and the shortcut for plain answers never changes a text. */
class MessagesTest {

    @ParameterizedTest
    @ValueSource(strings = {"", "hello", "HELLO WORLD", "a \"quoted\" word", "back\\slash", "tab\there", "ünïcödé ✓ 😀",
            "\u0001\u001f", "{\"line\":\"nested\"}", "ends with quote\"", "\"}", "trailing \\"})
    void aLineReadsBackAsItWasWrittenWithOrWithoutTheShortcut(String text) {
        String json = new String(Messages.encode(Messages.of("line", text)), StandardCharsets.UTF_8);

        assertThat(Messages.decode(json)).containsExactly(Map.entry("line", text));
        String shortcut = ControlClient.plainAnswer(json);
        if (shortcut != null) assertThat(shortcut).isEqualTo(text);
        if (!json.contains("\\")) assertThat(shortcut).as("an answer without escapes takes the shortcut").isEqualTo(text);
    }

    @Test
    void theShortcutLeavesEveryOtherMessageToTheParser() {
        assertThat(ControlClient.plainAnswer("{\"line\":\"a\",\"b\":\"c\"}")).isNull();
        assertThat(ControlClient.plainAnswer("{\"ok\":true,\"checked_in\":true}")).isNull();
        assertThat(ControlClient.plainAnswer("{\"line\":\"x\" }")).isNull();
        assertThat(ControlClient.plainAnswer("{\"line\":\"")).isNull();
    }

    @Test
    void statusReadsIntoMapsListsAndNumbersAndPrintsLikeJacksonsPrettyPrinter() {
        Map<String, Object> reply = Messages.decode("{\"ok\":true,\"status\":{\"pools\":[{\"name\":\"upper\",\"idle\":2,\"load\":0.5,\"x\":null}]}}");

        Map<String, Object> status = Messages.object(reply, "status");
        assertThat(Messages.objects(status, "pools")).hasSize(1);
        Map<String, Object> pool = Messages.objects(status, "pools").get(0);
        assertThat(Messages.number(pool, "idle", -1)).isEqualTo(2);
        assertThat(pool.get("load")).isEqualTo(0.5);
        assertThat(pool).containsEntry("x", null);
        assertThat(Messages.pretty(status)).isEqualTo("""
                {
                  "pools" : [ {
                    "name" : "upper",
                    "idle" : 2,
                    "load" : 0.5,
                    "x" : null
                  } ]
                }""");
        assertThat(Messages.objects(Map.of("pools", List.of()), "pools")).isEmpty();
    }

    @Test
    void aLineThatIsNotOneJsonObjectIsRefusedWithWhatItIs() {
        assertThatThrownBy(() -> Messages.decode("[1,2]")).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> Messages.decode("{\"a\":1} {\"b\":2}")).hasMessageContaining("more than one JSON value");
        assertThatThrownBy(() -> Messages.decode("{\"a\":")).hasMessageContaining("not JSON");
    }
}
