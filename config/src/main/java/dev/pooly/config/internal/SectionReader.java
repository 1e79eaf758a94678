package dev.pooly.config.internal;

import dev.pooly.config.ConfigSection;
import dev.pooly.config.Location;
import dev.pooly.config.internal.YamlNode.Mapping;
import dev.pooly.config.internal.YamlNode.Scalar;
import dev.pooly.config.internal.YamlNode.ScalarType;
import dev.pooly.config.internal.YamlNode.Sequence;

import java.math.BigInteger;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads the keys of one mapping of a {@link ConfigSection}, checking each value's type and range.
 * A bad or missing value is logged and replaced by the default, so reading goes on and finds the
 * other problems too. Unknown keys are logged when the reader is made.
 */
final class SectionReader {

    // Keys a user may well bring from a sibling kind of node, with what this kind calls them.
    private static final Map<ConfigSection, Map<String, String>> SYNONYMS = Map.of(
            ConfigSection.POOL, Map.of("id", "name"),
            ConfigSection.PROCESS, Map.of("name", "id", "args", "command"),
            ConfigSection.SUPERVISOR, Map.of("name", "id"));

    private final ConfigSection section;
    private final Mapping mapping;
    private final Location owner;
    private final ProblemLog problems;

    /**
     * @param owner where to report a missing key: the key this mapping sits under, which the
     *              user reads as the node's name, rather than the mapping's first key
     */
    SectionReader(ConfigSection section, Mapping mapping, Location owner, ProblemLog problems) {
        this.section = section;
        this.mapping = mapping;
        this.owner = owner;
        this.problems = problems;
        for (Mapping.Entry entry : mapping.entries()) {
            if (!section.keys().contains(entry.key())) {
                problems.add(entry.keyLocation(), unknownKey(section, entry.key()));
            }
        }
    }

    Location owner() {
        return owner;
    }

    Optional<Mapping.Entry> entry(String key) {
        if (!section.keys().contains(key)) {
            // A loader bug, not a user error: ConfigSection is the one list of keys.
            throw new IllegalStateException("'" + key + "' is not a key of " + section);
        }
        return mapping.entry(key);
    }

    /** Where a value is, or its key when the value is empty and has no place of its own. */
    static Location at(Mapping.Entry entry) {
        return entry.value() instanceof Scalar scalar && scalar.isEmpty() ? entry.keyLocation() : entry.value().location();
    }

    /** A non-empty string; absent (and, if written wrongly, logged) otherwise. */
    Optional<String> string(String key) {
        Optional<Mapping.Entry> found = entry(key);
        if (found.isEmpty()) return Optional.empty();
        Mapping.Entry entry = found.get();
        if (entry.value() instanceof Scalar scalar && scalar.type() == ScalarType.STRING) {
            if (scalar.text().isEmpty()) {
                problems.add(entry.keyLocation(), key + " is empty");
                return Optional.empty();
            }
            return Optional.of(scalar.text());
        }
        problems.add(at(entry), key + " must be a string, got " + entry.value().describe());
        return Optional.empty();
    }

    int integer(String key, int defaultValue, int min) {
        return (int) longInteger(key, defaultValue, min, Integer.MAX_VALUE);
    }

    long longInteger(String key, long defaultValue, long min, long max) {
        Optional<Mapping.Entry> found = entry(key);
        if (found.isEmpty()) return defaultValue;
        Mapping.Entry entry = found.get();
        if (!(entry.value() instanceof Scalar scalar) || scalar.type() != ScalarType.INTEGER) {
            problems.add(at(entry), key + " must be an integer, got " + entry.value().describe());
            return defaultValue;
        }
        BigInteger value = scalar.integer();
        if (value.compareTo(BigInteger.valueOf(min)) < 0) {
            problems.add(at(entry), key + " must be " + min + " or more, got " + scalar.text());
            return defaultValue;
        }
        if (value.compareTo(BigInteger.valueOf(max)) > 0) {
            problems.add(at(entry), key + " is too large, at most " + max);
            return defaultValue;
        }
        return value.longValue();
    }

    /** true or false. */
    boolean bool(String key, boolean defaultValue) {
        Optional<Mapping.Entry> found = entry(key);
        if (found.isEmpty()) return defaultValue;
        Mapping.Entry entry = found.get();
        if (entry.value() instanceof Scalar scalar && scalar.type() == ScalarType.BOOLEAN) {
            return Boolean.parseBoolean(scalar.text().toLowerCase(Locale.ROOT));
        }
        problems.add(at(entry), key + " must be true or false, got " + entry.value().describe());
        return defaultValue;
    }

    /** A number (integer or decimal) within {@code min..max}. */
    double number(String key, double defaultValue, double min, double max) {
        Optional<Mapping.Entry> found = entry(key);
        if (found.isEmpty()) return defaultValue;
        Mapping.Entry entry = found.get();
        if (!(entry.value() instanceof Scalar scalar) || (scalar.type() != ScalarType.INTEGER && scalar.type() != ScalarType.FLOAT)) {
            problems.add(at(entry), key + " must be a number, got " + entry.value().describe());
            return defaultValue;
        }
        double value;
        try {
            value = Double.parseDouble(scalar.text());
        } catch (NumberFormatException e) {
            problems.add(at(entry), key + " must be a plain decimal number like 0.5, got " + scalar.text());
            return defaultValue;
        }
        if (!(value >= min && value <= max)) {
            problems.add(at(entry), key + " must be within " + plain(min) + ".." + plain(max) + ", got " + scalar.text());
            return defaultValue;
        }
        return value;
    }

    private static String plain(double d) {
        return d == Math.rint(d) && !Double.isInfinite(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    Duration duration(String key, Duration defaultValue) {
        return entry(key).map(entry -> duration(entry, "").orElse(defaultValue)).orElse(defaultValue);
    }

    /**
     * @param otherForms what else the key accepts besides a duration, for the message, e.g. ", brutal_kill or infinity"
     */
    Optional<Duration> duration(Mapping.Entry entry, String otherForms) {
        String key = entry.key();
        if (entry.value() instanceof Scalar scalar && scalar.type() == ScalarType.INTEGER) {
            problems.add(at(entry), "bad duration " + scalar.text() + " for " + key + ": it needs a unit, e.g. "
                    + scalar.text() + "s or " + scalar.text() + "ms" + otherForms);
            return Optional.empty();
        }
        if (entry.value() instanceof Scalar scalar && scalar.type() == ScalarType.STRING && !scalar.isEmpty()) {
            Optional<Duration> duration = Quantities.duration(scalar.text());
            if (duration.isEmpty()) {
                problems.add(at(entry), "bad duration '" + scalar.text() + "' for " + key + ": write "
                        + Quantities.DURATION_FORMS + otherForms);
            }
            return duration;
        }
        problems.add(at(entry), key + " must be a duration, " + Quantities.DURATION_FORMS + otherForms
                + "; got " + entry.value().describe());
        return Optional.empty();
    }

    long size(String key, long defaultValue) {
        Optional<Mapping.Entry> found = entry(key);
        if (found.isEmpty()) return defaultValue;
        Mapping.Entry entry = found.get();
        if (entry.value() instanceof Scalar scalar && scalar.type() == ScalarType.INTEGER) {
            return longInteger(key, defaultValue, 1, Long.MAX_VALUE);
        }
        if (entry.value() instanceof Scalar scalar && scalar.type() == ScalarType.STRING && !scalar.isEmpty()) {
            Optional<Long> size = Quantities.size(scalar.text()).filter(bytes -> bytes > 0);
            if (size.isEmpty()) {
                problems.add(at(entry), "bad size '" + scalar.text() + "' for " + key + ": write " + Quantities.SIZE_FORMS);
            }
            return size.orElse(defaultValue);
        }
        problems.add(at(entry), key + " must be a size, " + Quantities.SIZE_FORMS + "; got " + entry.value().describe());
        return defaultValue;
    }

    /** One of an enum's constants, written in lower case as the contract spells them. */
    <E extends Enum<E>> E choice(String key, E[] allowed, E defaultValue) {
        Optional<Mapping.Entry> found = entry(key);
        if (found.isEmpty()) return defaultValue;
        Mapping.Entry entry = found.get();
        List<String> names = Arrays.stream(allowed).map(e -> e.name().toLowerCase(Locale.ROOT)).toList();
        if (entry.value() instanceof Scalar scalar && scalar.type() == ScalarType.STRING && names.contains(scalar.text())) {
            return allowed[names.indexOf(scalar.text())];
        }
        String written = entry.value() instanceof Scalar scalar && !scalar.isEmpty()
                ? "'" + scalar.text() + "'" : entry.value().describe();
        problems.add(at(entry), "unknown " + key + " " + written + " for " + section.description() + "; expected "
                + alternatives(names));
        return defaultValue;
    }

    /** A path resolved against {@code baseDir}. */
    Path path(String key, String defaultValue, Path baseDir) {
        String written = string(key).orElse(defaultValue);
        try {
            return baseDir.resolve(written).normalize();
        } catch (InvalidPathException e) {
            problems.add(at(entry(key).orElseThrow()), key + " is not a valid path: " + e.getReason());
            return baseDir.resolve(defaultValue).normalize();
        }
    }

    /** A nested mapping of settings; an empty value counts as an empty mapping ({@code env:} means no variables). */
    Optional<Mapping> mapping(String key) {
        Optional<Mapping.Entry> found = entry(key);
        if (found.isEmpty()) return Optional.empty();
        Mapping.Entry entry = found.get();
        return switch (entry.value()) {
            case Mapping nested -> Optional.of(nested);
            case Scalar scalar when scalar.isEmpty() || scalar.type() == ScalarType.NULL ->
                    Optional.of(new Mapping(List.of(), entry.keyLocation()));
            default -> {
                problems.add(at(entry), entry.key() + " must be a mapping, got " + entry.value().describe());
                yield Optional.empty();
            }
        };
    }

    /** A nested list; an empty value counts as an empty list. */
    Optional<List<YamlNode>> list(String key) {
        Optional<Mapping.Entry> found = entry(key);
        if (found.isEmpty()) return Optional.empty();
        Mapping.Entry entry = found.get();
        return switch (entry.value()) {
            case Sequence sequence -> Optional.of(sequence.items());
            case Scalar scalar when scalar.isEmpty() || scalar.type() == ScalarType.NULL -> Optional.of(List.of());
            default -> {
                problems.add(at(entry), key + " must be a list, got " + entry.value().describe());
                yield Optional.empty();
            }
        };
    }

    /** "a, b or c". */
    static String alternatives(List<String> words) {
        if (words.size() == 1) return words.getFirst();
        return String.join(", ", words.subList(0, words.size() - 1)) + " or " + words.getLast();
    }

    /** "unknown key 'x' in pool", with the key the user most likely meant, or the keys there are. */
    static String unknownKey(ConfigSection section, String key) {
        String message = "unknown key '" + key + "' in " + section.description();
        Optional<String> meant = Optional.ofNullable(SYNONYMS.getOrDefault(section, Map.of()).get(key))
                .or(() -> Spelling.closest(key, section.keys()));
        if (meant.isPresent()) {
            return message + "; did you mean '" + meant.get() + "'?";
        }
        Optional<ConfigSection> sibling = Stream.of(ConfigSection.PROCESS, ConfigSection.POOL, ConfigSection.SUPERVISOR)
                .filter(kind -> SYNONYMS.containsKey(section) && kind != section && kind.keys().contains(key))
                .findFirst();
        if (sibling.isPresent()) {
            return message + "; '" + key + "' is a " + sibling.get().description() + " setting";
        }
        return message + "; expected one of: " + section.keys().stream().collect(Collectors.joining(", "));
    }
}
