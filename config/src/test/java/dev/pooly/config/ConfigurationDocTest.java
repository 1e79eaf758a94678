package dev.pooly.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/configuration.md and the JSON Schema cannot drift apart. We test this by reading each
 * {@code ### section} table of the page (first column a key, third its default) and the properties
 * of the matching object of the schema: the same keys, and every schema default shown as the default.
 */
class ConfigurationDocTest {
    private static final Path DOC = Path.of("..", "docs", "configuration.md");
    private static final Pattern SECTION = Pattern.compile("(?m)^### (.+)$");

    @Test
    void everyKeyOfTheSchemaIsDocumentedWithItsDefaultAndNothingElse() throws IOException {
        JsonNode schema = new ObjectMapper().readTree(ConfigLoader.jsonSchema());
        JsonNode defs = schema.get("$defs");
        Map<String, JsonNode> objects = new LinkedHashMap<>();
        objects.put("top level", schema);
        objects.put("control", schema.get("properties").get("control"));
        objects.put("logs", schema.get("properties").get("logs"));
        objects.put("log", schema.get("properties").get("log"));
        objects.put("metrics", schema.get("properties").get("metrics"));
        objects.put("http", schema.get("properties").get("http"));
        objects.put("shutdown", schema.get("properties").get("shutdown"));
        objects.put("supervisor", defs.get("supervisor"));
        objects.put("child", defs.get("child"));
        objects.put("process", defs.get("process"));
        objects.put("pool", defs.get("pool"));
        objects.put("framing", defs.get("framing"));
        objects.put("ready", defs.get("ready"));
        objects.put("backoff", defs.get("backoff"));
        objects.put("pool health", defs.get("poolHealth"));
        objects.put("process health", defs.get("processHealth"));
        Map<String, Map<String, String>> documented = sections(Files.readString(DOC));

        assertThat(documented.keySet()).as("the sections of %s", DOC).containsExactlyInAnyOrderElementsOf(objects.keySet());
        objects.forEach((section, object) -> {
            Map<String, String> rows = documented.get(section);
            Map<String, String> defaults = new TreeMap<>();
            object.get("properties").fields().forEachRemaining(p -> defaults.put(p.getKey(), defaultOf(p.getValue(), defs)));
            assertThat(rows.keySet()).as("keys of section '%s' in %s", section, DOC).containsExactlyInAnyOrderElementsOf(defaults.keySet());
            defaults.forEach((key, value) -> {
                if (value != null) assertThat(rows.get(key)).as("default of %s.%s", section, key).contains("`" + value + "`");
            });
        });
    }

    /** The schema default of a property, following one $ref; null when there is none. */
    private static String defaultOf(JsonNode property, JsonNode defs) {
        JsonNode value = property.get("default");
        if (value == null && property.has("$ref")) value = defs.get(property.get("$ref").asText().replace("#/$defs/", "")).get("default");
        return value == null ? null : value.asText();
    }

    /** Section title to (key to default cell). */
    private static Map<String, Map<String, String>> sections(String doc) {
        Map<String, Map<String, String>> sections = new LinkedHashMap<>();
        Matcher titles = SECTION.matcher(doc);
        int start = -1;
        String title = null;
        while (true) {
            boolean found = titles.find();
            if (title != null) {
                Map<String, String> rows = new LinkedHashMap<>();
                for (String line : doc.substring(start, found ? titles.start() : doc.length()).split("\n")) {
                    if (!line.startsWith("| `")) continue;
                    // Cells split at '|', but not at an escaped "\|" inside a cell.
                    String[] cells = line.replace("\\|", "\u00a6").split("\\|");
                    rows.put(cells[1].trim().replace("`", ""), cells[3].trim());
                }
                sections.put(title, rows);
            }
            if (!found) return sections;
            title = titles.group(1).trim();
            start = titles.end();
        }
    }
}
