package dev.pooly.config.internal;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.pooly.config.Location;
import dev.pooly.config.internal.YamlNode.Mapping;
import dev.pooly.config.internal.YamlNode.ScalarType;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds a {@link YamlNode} tree from the tokens of Jackson's streaming YAML parser, keeping the
 * line and column of every key and value. Duplicate keys and aliases are logged as problems here,
 * where the tokens still show them; a syntax error ends the parse, as nothing after it can be trusted.
 */
final class YamlTreeParser {

    // Thread-safe once configured; parsers made from it are not and live for one parse.
    private static final YAMLFactory FACTORY = YAMLFactory.builder().build();

    private final YAMLParser parser;
    private final ProblemLog problems;

    private YamlTreeParser(YAMLParser parser, ProblemLog problems) {
        this.parser = parser;
        this.problems = problems;
    }

    /** The single document in {@code text}, or empty when there is none or it is not valid YAML (logged). */
    static Optional<YamlNode> parse(String text, ProblemLog problems) {
        try (YAMLParser parser = FACTORY.createParser(text)) {
            return new YamlTreeParser(parser, problems).document();
        } catch (JacksonException e) {
            syntaxError(e, problems);
            return Optional.empty();
        } catch (IOException e) {
            // Parsing a String reads no I/O; this is only the signature of Jackson's API.
            throw new IllegalStateException(e);
        }
    }

    private Optional<YamlNode> document() throws IOException {
        JsonToken first = parser.nextToken();
        if (first == null) {
            problems.add(new Location(1, 1), ConfigReader.EMPTY_FILE);
            return Optional.empty();
        }
        YamlNode document = node(first);
        if (parser.nextToken() != null) {
            problems.add(here(), "a config file holds one YAML document; remove this second one");
        }
        return Optional.of(document);
    }

    private YamlNode node(JsonToken token) throws IOException {
        Location location = here();
        if (parser.isCurrentAlias()) {
            problems.add(location, "YAML aliases (*" + parser.getText() + ") are not supported; write the value out");
            return new YamlNode.Scalar(ScalarType.NULL, "*" + parser.getText(), null, location);
        }
        return switch (token) {
            case START_OBJECT -> mapping(location);
            case START_ARRAY -> sequence(location);
            case VALUE_STRING -> scalar(ScalarType.STRING, location);
            case VALUE_NUMBER_INT -> integer(location);
            case VALUE_NUMBER_FLOAT -> scalar(ScalarType.FLOAT, location);
            case VALUE_TRUE, VALUE_FALSE -> scalar(ScalarType.BOOLEAN, location);
            case VALUE_NULL -> scalar(ScalarType.NULL, location);
            default -> throw new IllegalStateException("unexpected YAML token " + token + " at " + location);
        };
    }

    private Mapping mapping(Location location) throws IOException {
        List<Mapping.Entry> entries = new ArrayList<>();
        Map<String, Location> seen = new HashMap<>();
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
            String key = parser.currentName();
            Location keyLocation = here();
            YamlNode value = node(parser.nextToken());
            Location first = seen.putIfAbsent(key, keyLocation);
            if (first != null) {
                problems.add(keyLocation, "duplicate key '" + key + "'; the first is at " + first);
            } else {
                entries.add(new Mapping.Entry(key, keyLocation, value));
            }
        }
        return new Mapping(List.copyOf(entries), location);
    }

    private YamlNode.Sequence sequence(Location location) throws IOException {
        List<YamlNode> items = new ArrayList<>();
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
            items.add(node(token));
        }
        return new YamlNode.Sequence(List.copyOf(items), location);
    }

    private YamlNode.Scalar scalar(ScalarType type, Location location) throws IOException {
        return new YamlNode.Scalar(type, parser.getText(), null, location);
    }

    private YamlNode.Scalar integer(Location location) throws IOException {
        try {
            return new YamlNode.Scalar(ScalarType.INTEGER, parser.getText(), parser.getBigIntegerValue(), location);
        } catch (JacksonException e) {
            // A YAML 1.1 integer form Jackson cannot evaluate; as text it still gets a clear "wrong type".
            return scalar(ScalarType.STRING, location);
        }
    }

    private Location here() {
        return location(parser.currentTokenLocation());
    }

    private static void syntaxError(JacksonException e, ProblemLog problems) {
        // SnakeYAML's own exception marks the offending character; Jackson's location is the last good token.
        if (e.getCause() instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
            String message = "not valid YAML: " + marked.getProblem();
            Mark context = marked.getContextMark();
            if (marked.getContext() != null && context != null) {
                message += " (" + marked.getContext() + " at " + location(context) + ")";
            }
            problems.add(location(marked.getProblemMark()), message);
        } else {
            problems.add(location(e.getLocation()), "not valid YAML: " + e.getOriginalMessage());
        }
    }

    private static Location location(Mark mark) {
        return new Location(mark.getLine() + 1, mark.getColumn() + 1);
    }

    private static Location location(JsonLocation location) {
        return location == null || location.getLineNr() < 1
                ? new Location(1, 1)
                : new Location(location.getLineNr(), Math.max(1, location.getColumnNr()));
    }
}
