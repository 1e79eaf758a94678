package dev.pooly.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.pooly.config.ConfigLoader;
import dev.pooly.micrometer.PoolMeters;
import dev.pooly.pool.PoolSpec;
import dev.pooly.supervisor.ProcessSpec;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.Yaml;
import org.zeroturnaround.exec.ProcessExecutor;

import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The library jars as a user on the module path sees them: each is a named module that exports its API
 * package and hides its {@code internal} packages. We test this with the built jars (this IT runs after
 * they are packaged) and the JDK's own tools: {@link ModuleFinder} reads each descriptor, javac compiles
 * a small user module against the jars, and {@code java --module-path} runs it, a real pool of {@code cat}
 * included, so a {@code requires} missing from a descriptor shows up as a failure here, and so does an
 * {@code opens} that lets reflection into an internal class.
 */
class LibraryModulesIT {
    /** Module name to the one package it exports; every library also holds internal packages. */
    private static final Map<String, Class<?>> LIBRARIES = Map.of(
            "dev.pooly.supervisor", ProcessSpec.class,
            "dev.pooly.pool", PoolSpec.class,
            "dev.pooly.config", ConfigLoader.class,
            "dev.pooly.micrometer", PoolMeters.class);

    @Test
    void eachLibraryJarIsAModuleThatExportsItsApiPackageOnly() {
        for (var library : LIBRARIES.entrySet()) {
            Path jar = jarOf(library.getValue());
            List<ModuleReference> found = new ArrayList<>(ModuleFinder.of(jar).findAll());
            assertThat(found).as("module in %s", jar).hasSize(1);
            ModuleDescriptor module = found.get(0).descriptor();

            assertThat(module.name()).isEqualTo(library.getKey());
            assertThat(module.isAutomatic()).as("%s is automatic", module.name()).isFalse();
            assertThat(module.exports()).as("exports of %s", module.name()).singleElement().satisfies(e -> {
                assertThat(e.source()).isEqualTo(library.getValue().getPackageName());
                assertThat(e.isQualified()).isFalse();
            });
            assertThat(module.opens()).as("opens of %s", module.name()).isEmpty();
            assertThat(module.packages()).as("packages of %s", module.name())
                    .anyMatch(p -> p.startsWith(library.getKey() + ".internal") || library.getKey().equals("dev.pooly.micrometer"));
        }
    }

    @Test
    void aUserModuleCompilesAgainstTheApiAndRunsAPoolOnTheModulePath(@TempDir Path dir) throws Exception {
        Path src = write(dir.resolve("src"), """
                module user {
                    requires dev.pooly.config;
                    requires dev.pooly.micrometer;
                }
                """, """
                package user;

                import dev.pooly.config.ConfigLoader;
                import dev.pooly.micrometer.PoolMeters;
                import dev.pooly.pool.Lease;
                import dev.pooly.pool.PoolSpec;
                import dev.pooly.pool.Pools;
                import dev.pooly.pool.StandalonePool;
                import dev.pooly.supervisor.ProcessSpec;
                import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
                import java.time.Duration;

                public class Main {
                    public static void main(String[] args) throws Exception {
                        var config = ConfigLoader.load("version: 1\\nsupervisor:\\n  children:\\n    - pool: {name: echo, command: [cat]}\\n", "pooly.yaml");
                        System.out.println("children " + config.root().children().size());
                        var registry = new SimpleMeterRegistry();
                        PoolMeters meters = PoolMeters.register(registry, "echo");
                        try (StandalonePool pool = Pools.start(PoolSpec.of("echo", ProcessSpec.of("echo", "cat"), 1, 0), e -> {}, meters)) {
                            meters.bindTo(pool);
                            try (Lease lease = pool.checkout(Duration.ofSeconds(20))) {
                                System.out.println("answer " + lease.request("hello", Duration.ofSeconds(20)));
                            }
                        }
                        System.out.println("meters " + (registry.getMeters().isEmpty() ? "none" : "some"));
                        // Not opened either: deep reflection into an internal class is refused at run time.
                        try {
                            java.util.Arrays.stream(Class.forName("dev.pooly.pool.internal.PoolCore").getDeclaredFields())
                                    .filter(f -> java.lang.reflect.Modifier.isPrivate(f.getModifiers()))
                                    .findFirst().orElseThrow().setAccessible(true);
                            System.out.println("internal open");
                        } catch (java.lang.reflect.InaccessibleObjectException e) {
                            System.out.println("internal closed: " + e.getMessage());
                        }
                    }
                }
                """);
        Path classes = dir.resolve("classes");

        Compilation compilation = javac(src, classes);
        assertThat(compilation.ok()).as("javac: %s", compilation.messages()).isTrue();

        Path output = dir.resolve("run.out");
        List<String> command = List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=dev.pooly.supervisor",
                "--module-path", classes + File.pathSeparator + modulePath(),
                "--class-path", classPath(),
                "--module", "user/user.Main");
        Process run = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        boolean exited = run.waitFor(60, TimeUnit.SECONDS);
        if (!exited) run.destroyForcibly();
        String out = Files.readString(output);

        assertThat(exited).as("user module still running after 60 s: %s", out).isTrue();
        assertThat(run.exitValue()).as("exit status; output:%n%s", out).isZero();
        assertThat(out).contains("children 1", "answer hello", "meters some",
                        "internal closed: ", "module dev.pooly.pool does not \"opens dev.pooly.pool.internal\" to module user")
                .doesNotContain("IllegalAccessError", "does not read", "WARNING: A restricted method");
    }

    /**
     * One internal class per library, public in its package, so that only the module boundary refuses it.
     */
    @ParameterizedTest
    @CsvSource({
            "dev.pooly.pool, dev.pooly.pool.internal.PoolCore",
            "dev.pooly.supervisor, dev.pooly.supervisor.internal.Launcher",
            "dev.pooly.config, dev.pooly.config.internal.ConfigReader",
    })
    void aUserModuleCannotImportAnInternalClass(String module, String internalClass, @TempDir Path dir) throws IOException {
        String pkg = internalClass.substring(0, internalClass.lastIndexOf('.'));
        Path src = write(dir.resolve("src"), "module user { requires dev.pooly.config; requires dev.pooly.micrometer; }\n", """
                package user;

                import %s;

                public class Main {}
                """.formatted(internalClass));

        Compilation compilation = javac(src, dir.resolve("classes"));

        assertThat(compilation.ok()).as("javac accepted an import of %s", internalClass).isFalse();
        assertThat(compilation.messages())
                .contains("package " + pkg + " is not visible")
                .contains("(package " + pkg + " is declared in module " + module + ", which does not export it)");
    }

    private record Compilation(boolean ok, String messages) {}

    private static Compilation javac(Path src, Path classes) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        StringWriter out = new StringWriter();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8);
             Stream<Path> sources = Files.walk(src)) {
            List<File> java = sources.filter(p -> p.toString().endsWith(".java")).map(Path::toFile).toList();
            List<String> options = List.of("-d", classes.toString(), "--module-path", modulePath(), "--class-path", classPath());
            boolean ok = javac.getTask(out, files, diagnostics, options, null, files.getJavaFileObjectsFromFiles(java)).call();
            String messages = out + diagnostics.getDiagnostics().stream()
                    .map(d -> d.getKind() + ": " + d.getMessage(null)).collect(Collectors.joining("\n"));
            return new Compilation(ok, messages);
        }
    }

    /** The libraries and the modules they require, as jars. */
    private static String modulePath() {
        Stream<Class<?>> required = Stream.of(LoggerFactory.class, ProcessExecutor.class, JsonFactory.class,
                YAMLFactory.class, ObjectMapper.class, JsonProperty.class, Yaml.class, MeterRegistry.class);
        return Stream.concat(LIBRARIES.values().stream(), required).map(LibraryModulesIT::jarOf).map(Path::toString)
                .distinct().collect(Collectors.joining(File.pathSeparator));
    }

    /** micrometer-core is an automatic module; it reads what it needs (micrometer-commons, ...) from here. */
    private static String classPath() {
        Set<String> modules = Set.of(modulePath().split(File.pathSeparator));
        return Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(p -> p.contains("micrometer") || p.contains("HdrHistogram") || p.contains("jspecify"))
                .filter(p -> !modules.contains(p))
                .collect(Collectors.joining(File.pathSeparator));
    }

    private static Path jarOf(Class<?> type) {
        try {
            Path location = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
            assertThat(location.toString()).as("%s comes from a jar (run this IT after package, with -am)", type.getName())
                    .endsWith(".jar");
            return location;
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path write(Path src, String moduleInfo, String main) throws IOException {
        Files.createDirectories(src.resolve("user"));
        Files.writeString(src.resolve("module-info.java"), moduleInfo);
        Files.writeString(src.resolve("user/Main.java"), main);
        return src;
    }
}
