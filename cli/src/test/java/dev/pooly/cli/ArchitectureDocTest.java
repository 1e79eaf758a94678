package dev.pooly.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/architecture.md names real code: every backticked relative path in it exists, and every
 * backticked {@code Class.method} (or {@code Outer.Nested.method}) is declared in that class's file.
 * We test this by reading the page's source text: a method's file is the path named in the same line
 * (a table row) that ends in {@code /Class.java}, else every {@code Class.java} under a module's
 * {@code src/main}; the method must be declared there (a simple text match of a declaration, not a
 * call), and a nested class must be declared in that file too.
 */
class ArchitectureDocTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path DOC = ROOT.resolve("docs/architecture.md");
    private static final Pattern CODE = Pattern.compile("`([^`\\s]+)`");
    /** A relative path: at least one slash, not an absolute path, no placeholders. */
    private static final Pattern PATH = Pattern.compile("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.$-]+)+/?");
    /** {@code LeaseDesk.checkin}, {@code Containment.Group.kill}: CamelCase classes, then a method name. */
    private static final Pattern METHOD = Pattern.compile("([A-Z][a-z]\\w*(?:\\.[A-Z][a-z]\\w*)*)\\.([a-z]\\w*)");

    @Test
    void everyPathItNamesExists() throws IOException {
        List<String> missing = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        for (String line : Files.readAllLines(DOC)) {
            for (String path : paths(line)) {
                paths.add(path);
                if (!Files.exists(ROOT.resolve(path))) missing.add(path);
            }
        }
        assertThat(paths).as("paths named in docs/architecture.md").hasSizeGreaterThan(20);
        assertThat(missing).as("paths in docs/architecture.md that do not exist in the repository").isEmpty();
    }

    @Test
    void everyMethodItNamesIsDeclaredInItsClassFile() throws IOException {
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (String line : Files.readAllLines(DOC)) {
            List<String> rowPaths = paths(line);
            Matcher code = CODE.matcher(line);
            while (code.find()) {
                Matcher m = METHOD.matcher(code.group(1));
                if (!m.matches()) continue;
                checked++;
                String[] classes = m.group(1).split("\\.");
                String method = m.group(2);
                List<Path> files = classFiles(classes[0], rowPaths);
                if (files.isEmpty()) {
                    wrong.add(code.group(1) + ": no file " + classes[0] + ".java" + (rowPaths.isEmpty() ? " in the repository" : " named in its row"));
                } else if (files.stream().noneMatch(f -> declares(f, classes, method))) {
                    wrong.add(code.group(1) + ": not declared in " + files.stream().map(ROOT::relativize).toList());
                }
            }
        }
        assertThat(checked).as("methods named in docs/architecture.md").isGreaterThan(40);
        assertThat(wrong).as("methods in docs/architecture.md that their class's file does not declare").isEmpty();
    }

    @Test
    void theReadmeListsIt() throws IOException {
        assertThat(Files.readString(ROOT.resolve("README.md"))).contains("(docs/architecture.md)");
    }

    private static List<String> paths(String line) {
        List<String> paths = new ArrayList<>();
        Matcher code = CODE.matcher(line);
        while (code.find()) {
            if (PATH.matcher(code.group(1)).matches()) paths.add(code.group(1));
        }
        return paths;
    }

    /** The row's own path for {@code simpleName}.java, else every such file under a module's src/main. */
    private static List<Path> classFiles(String simpleName, List<String> rowPaths) throws IOException {
        String file = simpleName + ".java";
        List<Path> named = rowPaths.stream().filter(p -> p.endsWith("/" + file)).map(ROOT::resolve).filter(Files::isRegularFile).toList();
        if (!named.isEmpty()) return named;
        try (Stream<Path> all = Files.walk(ROOT)) {
            return all.filter(p -> p.getFileName().toString().equals(file))
                    .filter(p -> ROOT.relativize(p).toString().replace('\\', '/').matches("[^/]+/src/main/java\\d*/.*"))
                    .toList();
        }
    }

    /** A declaration of {@code method} in {@code file}, and of every nested class on the way to it. */
    private static boolean declares(Path file, String[] classes, String method) {
        String source;
        try {
            source = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int i = 1; i < classes.length; i++) {
            if (!Pattern.compile("\\b(class|record|interface|enum)\\s+" + classes[i] + "\\b").matcher(source).find()) return false;
        }
        // A return type (or generic, array) then the name, a parameter list, and a body or a ';' (abstract).
        // "return m(x);" and "new M(x) {" are calls, not declarations.
        Matcher d = Pattern.compile("([\\w>\\]?]+)\\s+" + method + "\\s*\\([^;{}]*\\)\\s*(throws\\s+[\\w.,\\s]+)?[{;]").matcher(source);
        while (d.find()) {
            String before = d.group(1);
            if (!before.equals("return") && !before.equals("new") && !before.equals("throw") && !before.equals("else")) return true;
        }
        return false;
    }
}
