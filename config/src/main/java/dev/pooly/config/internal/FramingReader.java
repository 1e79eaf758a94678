package dev.pooly.config.internal;

import dev.pooly.config.ConfigSection;
import dev.pooly.config.FramingSetting;
import dev.pooly.config.FramingSetting.Kind;
import dev.pooly.config.internal.YamlNode.Mapping;
import dev.pooly.config.internal.YamlNode.Scalar;
import dev.pooly.config.internal.YamlNode.ScalarType;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A pool's {@code framing:}, the bare kind ({@code framing: json}) or a mapping
 * ({@code {kind: packet, size: 4, max: 1MiB}}). Every problem is logged at its place, naming the
 * allowed values; reading then goes on with the default ({@code line}).
 */
final class FramingReader {
    private static final List<String> KINDS = Arrays.stream(Kind.values()).map(Kind::configName).toList();

    private FramingReader() {}

    static FramingSetting read(SectionReader pool, ProblemLog problems) {
        Optional<Mapping.Entry> found = pool.entry("framing");
        if (found.isEmpty()) return FramingSetting.LINE;
        Mapping.Entry entry = found.get();
        if (entry.value() instanceof Scalar scalar && scalar.type() == ScalarType.STRING && !scalar.isEmpty()) {
            Optional<Kind> kind = kind(scalar.text(), entry, problems);
            if (kind.isEmpty()) return FramingSetting.LINE;
            if (kind.get() == Kind.UNTIL) {
                problems.add(SectionReader.at(entry), "framing until needs an 'end': write {kind: until, end: \"-- end --\"}"
                        + " (the line that ends each answer)");
                return FramingSetting.LINE;
            }
            return new FramingSetting(kind.get(), null, null, kind.get() == Kind.PACKET ? 4 : 0, FramingSetting.DEFAULT_MAX);
        }
        if (!(entry.value() instanceof Mapping mapping)) {
            problems.add(SectionReader.at(entry), "framing must be one of " + SectionReader.alternatives(KINDS)
                    + ", or a mapping such as {kind: packet, size: 4}; got " + entry.value().describe());
            return FramingSetting.LINE;
        }
        SectionReader f = new SectionReader(ConfigSection.FRAMING, mapping, entry.keyLocation(), problems);
        Optional<Mapping.Entry> kindEntry = f.entry("kind");
        if (kindEntry.isEmpty()) {
            problems.add(entry.keyLocation(), "framing needs a 'kind': " + SectionReader.alternatives(KINDS));
            return FramingSetting.LINE;
        }
        Optional<Kind> kind = f.string("kind").flatMap(text -> kind(text, kindEntry.get(), problems));
        long max = f.size("max", FramingSetting.DEFAULT_MAX);
        if (max > FramingSetting.MAX_MAX) {
            problems.add(SectionReader.at(f.entry("max").orElseThrow()), "framing max must be at most 1GiB (1073741824 bytes), got " + max);
            max = FramingSetting.DEFAULT_MAX;
        }
        Optional<String> end = f.string("end");
        Optional<String> after = f.string("after");
        boolean ok = kind.isPresent();
        Kind k = kind.orElse(Kind.LINE);
        ok &= only(f, k, Kind.UNTIL, "end", problems) & only(f, k, Kind.UNTIL, "after", problems) & only(f, k, Kind.PACKET, "size", problems);
        if (k == Kind.UNTIL) {
            if (end.isEmpty() && f.entry("end").isEmpty()) {
                problems.add(kindEntry.get().keyLocation(), "framing until needs an 'end': the line that ends each answer, e.g. end: \"-- end --\"");
                ok = false;
            }
            for (String key : List.of("end", "after")) {
                Optional<String> text = key.equals("end") ? end : after;
                if (text.isPresent() && (text.get().contains("\n") || text.get().contains("\r"))) {
                    problems.add(SectionReader.at(f.entry(key).orElseThrow()), "framing " + key + " must be one line");
                    ok = false;
                }
            }
        }
        int size = 0;
        if (k == Kind.PACKET) {
            size = f.integer("size", 4, 0);
            if (size != 1 && size != 2 && size != 4) {
                problems.add(SectionReader.at(f.entry("size").orElseThrow()), "framing packet size must be 1, 2 or 4 (bytes of big-endian length), got " + size);
                ok = false;
            }
        }
        if (!ok || end.isEmpty() && k == Kind.UNTIL) return FramingSetting.LINE;
        return new FramingSetting(k, end.orElse(null), after.orElse(null), size, max);
    }

    /** A key that belongs to one kind only: written for another, it is a problem (it would do nothing). */
    private static boolean only(SectionReader f, Kind kind, Kind owner, String key, ProblemLog problems) {
        Optional<Mapping.Entry> e = f.entry(key);
        if (e.isEmpty() || kind == owner) return true;
        problems.add(e.get().keyLocation(), "framing " + key + " goes with kind " + owner.configName() + ", not " + kind.configName());
        return false;
    }

    private static Optional<Kind> kind(String text, Mapping.Entry entry, ProblemLog problems) {
        int i = KINDS.indexOf(text);
        if (i >= 0) return Optional.of(Kind.values()[i]);
        problems.add(SectionReader.at(entry), "unknown framing '" + text + "'; expected " + SectionReader.alternatives(KINDS));
        return Optional.empty();
    }
}
