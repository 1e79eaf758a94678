package dev.pooly.pool;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 24: the Javadoc of every public type of the libraries' API packages says how it may be used
 * from threads. We test this by reading the sources of the four exported packages and requiring, in
 * the Javadoc right above each public type (nested ones included, and those nested in an interface,
 * which are public without saying so), one of "thread-safe" (also "Thread-safety:", "not thread-safe"),
 * "immutable" or "confined".
 */
class ThreadSafetyDocTest {
    /** Surefire runs in the module's directory: the repository is one level up. */
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final List<String> API_PACKAGES = List.of(
            "supervisor-core/src/main/java/dev/pooly/supervisor",
            "pool-core/src/main/java/dev/pooly/pool",
            "config/src/main/java/dev/pooly/config",
            "micrometer/src/main/java/dev/pooly/micrometer");
    private static final Pattern DECLARATION = Pattern.compile(
            "^(\\s*)((?:(?:public|protected|private|static|final|sealed|non-sealed|abstract)\\s+)*)(class|interface|record|enum)\\s+(\\w+)");
    private static final Pattern SAYS_THREADS = Pattern.compile("thread-safe|immutable|confined", Pattern.CASE_INSENSITIVE);

    @Test
    void everyPublicApiTypeStatesItsThreadSafety() throws IOException {
        List<String> types = new ArrayList<>();
        List<String> silent = new ArrayList<>();
        for (String pkg : API_PACKAGES) {
            Path dir = ROOT.resolve(pkg);
            assertThat(dir).as("API package sources").isDirectory();
            List<Path> files;
            try (Stream<Path> list = Files.list(dir)) {
                files = list.filter(p -> p.toString().endsWith(".java") && !p.endsWith("package-info.java")).sorted().toList();
            }
            for (Path file : files) check(file, types, silent);
        }
        // A guard against a scan that finds nothing (moved sources, a broken pattern) and so passes.
        assertThat(types).as("public types found").hasSizeGreaterThan(100);
        assertThat(silent).as("public types whose Javadoc does not say 'thread-safe', 'immutable' or 'confined'").isEmpty();
    }

    private static void check(Path file, List<String> types, List<String> silent) throws IOException {
        List<String> lines = Files.readAllLines(file);
        String topKind = null;
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = DECLARATION.matcher(lines.get(i));
            if (!m.find()) continue;
            boolean nested = !m.group(1).isEmpty();
            String modifiers = m.group(2);
            if (!nested) topKind = m.group(3);
            boolean isPublic = modifiers.contains("public")
                    || (nested && "interface".equals(topKind) && !modifiers.contains("private"));
            if (!isPublic) continue;
            String where = ROOT.relativize(file) + ":" + (i + 1) + " " + m.group(3) + " " + m.group(4);
            types.add(where);
            if (!SAYS_THREADS.matcher(javadocAbove(lines, i)).find()) silent.add(where);
        }
    }

    /** The Javadoc comment ending right above line {@code i} (annotations between are skipped), or "". */
    private static String javadocAbove(List<String> lines, int i) {
        int end = i - 1;
        while (end >= 0 && lines.get(end).strip().startsWith("@")) end--;
        if (end < 0 || !lines.get(end).strip().endsWith("*/")) return "";
        int start = end;
        while (start >= 0 && !lines.get(start).contains("/**")) start--;
        if (start < 0) return "";
        return String.join("\n", lines.subList(start, end + 1));
    }
}
