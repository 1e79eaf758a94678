package dev.pooly.distribution;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's library example compiles and runs as written. We test this by cutting the
 * {@code java} block out of README.md, compiling it with javax.tools against the libraries, and
 * running its {@code main}, which starts a real pool of {@code cat} workers.
 */
class ReadmeSnippetTest {
    private static final Pattern JAVA_BLOCK = Pattern.compile("(?s)```java\\n(.*?)```");
    private static final Pattern CLASS_NAME = Pattern.compile("public class (\\w+)");

    @TempDir
    Path tmp;

    @Test
    void readmeLibraryExampleCompilesAndRunsAsWritten() throws Exception {
        Matcher block = JAVA_BLOCK.matcher(Files.readString(Path.of("..", "README.md")));
        assertThat(block.find()).as("a ```java block in README.md").isTrue();
        String source = block.group(1);
        Matcher name = CLASS_NAME.matcher(source);
        assertThat(name.find()).as("the example declares a public class").isTrue();
        Path file = Files.writeString(tmp.resolve(name.group(1) + ".java"), source);

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> problems = new DiagnosticCollector<>();
        try (var files = javac.getStandardFileManager(problems, null, StandardCharsets.UTF_8)) {
            boolean compiled = javac.getTask(null, files, problems,
                    List.of("-classpath", System.getProperty("java.class.path"), "-d", tmp.toString(), "-Xlint:all", "-Werror"),
                    null, files.getJavaFileObjects(file.toFile())).call();
            assertThat(compiled).as("javac: %s", problems.getDiagnostics()).isTrue();
        }

        String printed = runMain(name.group(1));
        assertThat(printed).isEqualTo("hello" + System.lineSeparator());
    }

    /** Runs {@code main} of the compiled class in this JVM and returns what it printed. */
    private String runMain(String className) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {tmp.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            loader.loadClass(className).getMethod("main", String[].class).invoke(null, (Object) new String[0]);
        } catch (IOException e) {
            throw new AssertionError(e);
        } finally {
            System.setOut(original);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
