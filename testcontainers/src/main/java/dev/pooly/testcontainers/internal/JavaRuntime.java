package dev.pooly.testcontainers.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

/**
 * A small Java runtime for the image, linked with {@code jlink} from the JDK this JVM runs on, and
 * kept in a cache directory so that linking (10 to 20 seconds) happens once per JDK and module set.
 *
 * <p>Thread-safety: safe; concurrent callers (even in other JVMs) may both link, and the first
 * directory moved into place wins (the move is atomic, and a loser deletes its own copy).
 */
public final class JavaRuntime {
    /**
     * The modules the pooly daemon and CLI need: {@code jdk.unsupported} is for {@code sun.misc.Signal},
     * {@code jdk.httpserver} and {@code java.logging} for the {@code metrics.listen} endpoints (the
     * Prometheus client's HTTP server).
     */
    public static final List<String> POOLY_MODULES = List.of("java.base", "jdk.unsupported", "jdk.httpserver", "java.logging");

    private JavaRuntime() {}

    /** The linked runtime's directory (it has {@code bin/java}), linking it first if the cache has none. */
    public static Path linked(Iterable<String> modules, Path cacheDir) {
        if (Runtime.version().feature() < 21) {
            throw new IllegalStateException("pooly needs Java >= 21 and the image's runtime is linked from the JDK this JVM runs on ("
                    + System.getProperty("java.home") + ", Java " + Runtime.version() + "); run the tests on a JDK >= 21");
        }
        SortedSet<String> set = new TreeSet<>();
        modules.forEach(set::add);
        Path target = cacheDir.resolve("java-" + Runtime.version().feature() + "-" + key(set));
        if (Files.isRegularFile(target.resolve("release"))) return target;
        try {
            Files.createDirectories(cacheDir);
            Path work = Files.createTempDirectory(cacheDir, ".linking-");
            Path output = work.resolve("java");
            link(set, output);
            try {
                Files.move(output, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException e) {
                if (!Files.isRegularFile(target.resolve("release"))) throw e;
            } finally {
                deleteTree(work);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot link a Java runtime into " + cacheDir, e);
        }
    }

    private static void link(SortedSet<String> modules, Path output) {
        List<String> args = new ArrayList<>(List.of("--add-modules", String.join(",", modules), "--strip-debug",
                "--no-man-pages", "--no-header-files", "--output", output.toString()));
        ToolProvider jlink = ToolProvider.findFirst("jlink").orElse(null);
        if (jlink != null) {
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            try (PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8)) {
                int status = jlink.run(out, out, args.toArray(String[]::new));
                if (status != 0) throw new IllegalStateException("jlink " + args + " failed (" + status + "): " + log.toString(StandardCharsets.UTF_8));
            }
            return;
        }
        Path binary = Path.of(System.getProperty("java.home"), "bin", "jlink");
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("no jlink in " + System.getProperty("java.home") + ": the image's Java runtime is linked from the JDK"
                    + " the tests run on, so run them on a full JDK >= 21, not a JRE");
        }
        args.addFirst(binary.toString());
        try {
            Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", args) + " failed: " + log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while linking a Java runtime", e);
        }
    }

    private static String key(SortedSet<String> modules) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((System.getProperty("java.home") + "\n" + Runtime.version() + "\n" + modules).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest(), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
