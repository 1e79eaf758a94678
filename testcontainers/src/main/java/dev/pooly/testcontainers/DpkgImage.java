package dev.pooly.testcontainers;

import dev.pooly.testcontainers.internal.HostCommands;
import dev.pooly.testcontainers.internal.JavaRuntime;
import dev.pooly.testcontainers.internal.RootFilesystem;
import dev.pooly.testcontainers.internal.RootFilesystem.Content;
import dev.pooly.testcontainers.internal.RootFilesystem.Directory;
import dev.pooly.testcontainers.internal.RootFilesystem.Entry;
import dev.pooly.testcontainers.internal.RootFilesystem.HostFile;
import dev.pooly.testcontainers.internal.RootFilesystem.Symlink;
import org.testcontainers.images.builder.ImageFromDockerfile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * An image for installing Debian packages with the real {@code dpkg}, built locally {@code FROM scratch}
 * and pulling nothing: this machine's {@code dpkg} and {@code dpkg-deb} with the programs dpkg insists
 * on finding ({@code sh}, {@code rm}, {@code tar}, {@code diff}, {@code ldconfig},
 * {@code start-stop-daemon}), {@code bash} and the tools pooly's launcher and its example config use,
 * their shared libraries, and an empty dpkg database ({@code /var/lib/dpkg}). No package is installed
 * at first, not even the essential set: the libraries and programs are copied files that dpkg does not
 * know, so a package's {@code Depends:} on them would fail, and the image has no Java at all.
 *
 * <p>{@link #javaRuntimePackage()} makes the Java a package can depend on: a small {@code .deb} of a
 * runtime {@code jlink}ed from the JDK this JVM runs on, which installs it under {@code /usr/lib/jvm}
 * and provides {@code java-runtime-headless (= N)}, as Debian's {@code openjdk-N-jre-headless} does.
 *
 * <pre>{@code
 * ImageFromDockerfile image = DpkgImage.withPackages(DpkgImage.javaRuntimePackage(), Path.of("debian/target/pooly_0.1.0_all.deb")).build();
 * // in the container: dpkg -i /packages/*.deb
 * }</pre>
 *
 * <p>Linux with dpkg only (it copies this machine's programs). Immutable. {@link #build()} returns
 * Testcontainers' lazy image, named {@code localhost/pooly-testcontainers-dpkg:<hash of its inputs>}:
 * remove it when done where no Ryuk container runs.
 */
public final class DpkgImage {
    /** The programs every such image has in {@code /usr/bin}. */
    public static final List<String> COMMANDS = List.of(
            // dpkg, and what it runs or checks PATH for at start-up
            "dpkg", "dpkg-deb", "dpkg-query", "dpkg-split", "sh", "rm", "tar", "diff", "ldconfig", "start-stop-daemon",
            // pooly's launcher (bin/pooly) and what it runs
            "bash", "sed", "dirname", "readlink", "cksum", "cut", "stat", "mkdir", "mv", "xargs", "ls", "cat",
            // the daemon's helpers, the example config's worker and the tests' own needs
            "setpriv", "setsid", "sleep", "kill", "env", "tr", "grep", "test", "tail");

    /** Where {@link #withPackages} puts the packages in the image. */
    public static final String PACKAGES = "/packages";

    private final List<Path> packages;

    private DpkgImage(List<Path> packages) {
        this.packages = packages;
    }

    /** An image with these {@code .deb} files in {@link #PACKAGES}, not yet installed. */
    public static DpkgImage withPackages(Path... debs) {
        List<Path> list = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (Path deb : debs) {
            if (!Files.isRegularFile(deb)) throw new IllegalArgumentException("no package " + deb.toAbsolutePath());
            if (!names.add(deb.getFileName().toString())) throw new IllegalArgumentException("two packages named " + deb.getFileName());
            list.add(deb.toAbsolutePath());
        }
        return new DpkgImage(List.copyOf(list));
    }

    /** The image, lazy: Docker builds it when the first container needs it. */
    public ImageFromDockerfile build() {
        return new ImageFromDockerfile("localhost/pooly-testcontainers-dpkg:" + tag(), false)
                .withFileFromString("Dockerfile", DOCKERFILE)
                .withFileFromTransferable("rootfs", new PoolyImage.LazyRootFilesystem(this::rootFilesystem));
    }

    private static final String DOCKERFILE = """
            FROM scratch
            COPY rootfs/ /
            ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin
            CMD ["sleep", "infinity"]
            """;

    /**
     * A {@code .deb} of a Java runtime linked from the JDK this JVM runs on (the modules the pooly
     * daemon needs), named {@code pooly-test-java-N-runtime-headless}, for this machine's architecture.
     * It installs the runtime at {@code /usr/lib/jvm/pooly-test-java-N} and says
     * {@code Provides: java-runtime-headless (= N), javaN-runtime-headless}, as Debian's openjdk
     * packages do. Built with this machine's {@code dpkg-deb}, uncompressed (installing it is then a
     * copy), once per JDK, cached beside the linked runtime under {@code java.io.tmpdir}.
     */
    public static Path javaRuntimePackage() {
        Path cacheDir = Path.of(System.getProperty("java.io.tmpdir"), "pooly-testcontainers");
        Path runtime = JavaRuntime.linked(JavaRuntime.POOLY_MODULES, cacheDir);
        int feature = Runtime.version().feature();
        Path deb = cacheDir.resolve(runtime.getFileName() + ".deb");
        if (Files.isRegularFile(deb)) return deb;
        String name = "pooly-test-java-" + feature + "-runtime-headless";
        try {
            Path work = Files.createTempDirectory(cacheDir, ".packaging-");
            try {
                Path root = work.resolve("root");
                copyTree(runtime, root.resolve("usr/lib/jvm/pooly-test-java-" + feature));
                Files.createDirectories(root.resolve("DEBIAN"));
                Files.writeString(root.resolve("DEBIAN/control"), """
                        Package: %s
                        Version: %s
                        Architecture: %s
                        Maintainer: Pooly tests <tests@pooly.invalid>
                        Provides: java-runtime-headless (= %d), java%d-runtime-headless
                        Section: java
                        Priority: optional
                        Description: Java %d runtime linked by jlink, for pooly's package tests
                         The modules the pooly daemon needs, from the JDK the tests ran on.
                        """.formatted(name, Runtime.version().toString().replace('+', '.'), architecture(), feature, feature, feature),
                        StandardCharsets.UTF_8);
                Path built = work.resolve("runtime.deb");
                run(List.of("dpkg-deb", "--root-owner-group", "-Znone", "--build", root.toString(), built.toString()));
                try {
                    Files.move(built, deb, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                    if (!Files.isRegularFile(deb)) throw e; // another JVM made it first: theirs is as good
                }
            } finally {
                deleteTree(work);
            }
            return deb;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot package the Java runtime into " + cacheDir, e);
        }
    }

    RootFilesystem rootFilesystem() {
        List<Entry> entries = new ArrayList<>();
        Set<String> directories = new LinkedHashSet<>(List.of("usr", "usr/bin", "usr/sbin", "usr/lib", "usr/lib64", "usr/share",
                "usr/local", "usr/local/bin", "etc", "etc/dpkg", "etc/dpkg/dpkg.cfg.d", "var", "var/log", "var/lib", "var/lib/dpkg",
                "var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "var/lib/dpkg/alternatives", "run", "root",
                PACKAGES.substring(1)));
        for (String dir : directories) entries.add(new Directory(dir, 0755));
        entries.add(new Directory("tmp", 01777));
        for (String merged : List.of("bin", "lib", "lib64", "sbin")) entries.add(new Symlink(merged, "usr/" + merged));
        // The runtime package's native code needs the system's libraries, as openjdk's needs libc6 and zlib1g.
        RootFilesystem.addPrograms(entries, directories, COMMANDS, HostCommands.runtimeLibraries(JavaRuntime.linked(JavaRuntime.POOLY_MODULES,
                Path.of(System.getProperty("java.io.tmpdir"), "pooly-testcontainers"))));
        byte[] empty = new byte[0];
        entries.add(new Content("var/lib/dpkg/status", empty, 0644));
        entries.add(new Content("var/lib/dpkg/available", empty, 0644));
        entries.add(new Content("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n".getBytes(StandardCharsets.UTF_8), 0644));
        entries.add(new Content("etc/group", "root:x:0:\n".getBytes(StandardCharsets.UTF_8), 0644));
        for (Path deb : packages) entries.add(new HostFile(PACKAGES.substring(1) + "/" + deb.getFileName(), deb, 0644));
        return new RootFilesystem(entries);
    }

    /** Changes when the inputs do: the packages, the JDK, and this machine's programs. */
    private String tag() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((DOCKERFILE + COMMANDS + Runtime.version() + System.getProperty("java.home")).getBytes(StandardCharsets.UTF_8));
            List<Path> inputs = new ArrayList<>(packages);
            for (String name : COMMANDS) inputs.add(HostCommands.find(name));
            for (Path p : inputs) sha.update((p + ":" + Files.size(p) + ":" + Files.getLastModifiedTime(p).toMillis() + "\n").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String architecture() {
        return run(List.of("dpkg", "--print-architecture")).strip();
    }

    private static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", command) + " failed: " + out.strip());
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.getFirst() + " (is this a Debian machine, with dpkg?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isSymbolicLink(p)) {
                    Files.createDirectories(target.getParent());
                    Files.createSymbolicLink(target, Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
