package dev.pooly.config.internal;

import dev.pooly.config.Location;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;

/**
 * A YAML document as a tree that remembers where each node and each key was written. Jackson's
 * own {@code JsonNode} forgets locations, and every problem the loader reports needs one.
 */
sealed interface YamlNode {

    Location location();

    /** How a message names this value: "a string 'abc'", "a list", "nothing"... */
    String describe();

    /** The kinds of scalar the YAML 1.1 resolver tells apart. */
    enum ScalarType { STRING, INTEGER, FLOAT, BOOLEAN, NULL }

    /** A scalar as written. {@code integer} is set for {@link ScalarType#INTEGER} only. */
    record Scalar(ScalarType type, String text, BigInteger integer, Location location) implements YamlNode {

        /** {@code key:} with nothing after it, or {@code ""}; Jackson does not tell the two apart. */
        boolean isEmpty() {
            return type == ScalarType.STRING && text.isEmpty();
        }

        @Override
        public String describe() {
            return switch (type) {
                case STRING -> text.isEmpty() ? "nothing" : "a string '" + text + "'";
                case INTEGER -> "an integer " + text;
                case FLOAT -> "a number " + text;
                case BOOLEAN -> "a boolean " + text;
                case NULL -> "null";
            };
        }
    }

    /** A mapping; a key written twice is kept once, at its first place (the second is a problem). */
    record Mapping(List<Entry> entries, Location location) implements YamlNode {

        record Entry(String key, Location keyLocation, YamlNode value) {}

        Optional<Entry> entry(String key) {
            return entries.stream().filter(entry -> entry.key().equals(key)).findFirst();
        }

        @Override
        public String describe() {
            return "a mapping";
        }
    }

    record Sequence(List<YamlNode> items, Location location) implements YamlNode {
        @Override
        public String describe() {
            return "a list";
        }
    }
}
