package dev.pooly.testcontainers;

import dev.pooly.testcontainers.internal.HostCommands;
import dev.pooly.testcontainers.internal.JavaRuntime;
import dev.pooly.testcontainers.internal.RootFilesystem;
import dev.pooly.testcontainers.internal.RootFilesystem.Content;
import dev.pooly.testcontainers.internal.RootFilesystem.Directory;
import dev.pooly.testcontainers.internal.RootFilesystem.Entry;
import dev.pooly.testcontainers.internal.RootFilesystem.HostFile;
import dev.pooly.testcontainers.internal.RootFilesystem.HostTree;
import dev.pooly.testcontainers.internal.RootFilesystem.Symlink;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.testcontainers.images.builder.ImageFromDockerfile;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A self-contained image for {@link PoolyContainer}, built locally and pulling nothing:
 * {@code FROM scratch} plus a Java runtime {@code jlink}ed from the JDK the tests run on, the
 * {@code pooly} jar, a {@code pooly} launcher, and the few programs of this machine that pooly and
 * its workers run ({@code sh}, {@code cat}, {@code sleep}, {@code kill}, {@code env}, and
 * {@code setpriv} and {@code setsid}, with which the daemon makes sure no child outlives it) with
 * their shared libraries. Linux only, since it copies this machine's programs.
 *
 * <pre>{@code
 * PoolyContainer pooly = new PoolyContainer(PoolyImage.fromJar(Path.of("cli/target/pooly.jar"))
 *         .withFile(Path.of("worker-examples/target/worker-examples.jar"), "/opt/workers/worker-examples.jar")
 *         .build());
 * }</pre>
 *
 * <p>In the image: {@code /opt/pooly/java} (the runtime, also {@code /usr/bin/java}, so pools can
 * run {@code java}), {@code /opt/pooly/pooly.jar}, {@code /usr/bin/pooly}, {@code /pooly} (the
 * working directory, where {@link PoolyContainer} puts the config) and {@code /tmp}. The runtime is
 * linked once and cached under {@code java.io.tmpdir}.
 *
 * <p>{@link #runtimeBase()} is the same without pooly: a base for the repository's
 * {@code deploy/kubernetes/Dockerfile} where no registry is reachable; {@link #main} writes its build
 * context for {@code docker build -} from a shell.
 *
 * <p>Immutable; every {@code with} method returns a new spec. {@link #build()} and
 * {@link #runtimeBase()} return Testcontainers' lazy image: Docker builds it when the first
 * container needs it, once per JVM, on the thread that asks first (an interrupt there fails that
 * build). {@link #main} blocks until the tar is written.
 */
public final class PoolyImage {
    /** The programs every image has. */
    public static final List<String> COMMANDS = List.of("sh", "cat", "sleep", "kill", "env", "setpriv", "setsid");

    private final Path poolyJar;
    private final Set<String> commands;
    private final Set<String> modules;
    private final Map<String, Path> files;
    private final Path cacheDir;

    private PoolyImage(Path poolyJar, Set<String> commands, Set<String> modules, Map<String, Path> files, Path cacheDir) {
        this.poolyJar = poolyJar;
        this.commands = commands;
        this.modules = modules;
        this.files = files;
        this.cacheDir = cacheDir;
    }

    /** An image running {@code poolyJar}, the shaded CLI jar ({@code cli/target/pooly.jar}). */
    public static PoolyImage fromJar(Path poolyJar) {
        if (!Files.isRegularFile(poolyJar)) {
            throw new IllegalArgumentException("no pooly jar at " + poolyJar.toAbsolutePath() + "; build it with: mvn -pl cli -am package");
        }
        return new PoolyImage(poolyJar.toAbsolutePath(), new LinkedHashSet<>(COMMANDS), new LinkedHashSet<>(JavaRuntime.POOLY_MODULES),
                new LinkedHashMap<>(), defaultCacheDirectory());
    }

    /** Adds programs of this machine (with their shared libraries) to {@code /usr/bin}, e.g. {@code "date"}. */
    public PoolyImage withCommands(String... names) {
        Set<String> more = new LinkedHashSet<>(commands);
        for (String name : names) {
            HostCommands.find(name); // fail here, naming the program, rather than at build time
            more.add(name);
        }
        return new PoolyImage(poolyJar, more, modules, files, cacheDir);
    }

    /** Adds JDK modules to the runtime, for Java workers that need more than {@code java.base}. */
    public PoolyImage withModules(String... names) {
        Set<String> more = new LinkedHashSet<>(modules);
        more.addAll(List.of(names));
        return new PoolyImage(poolyJar, commands, more, files, cacheDir);
    }

    /** Adds a host file, e.g. a worker's jar or script, at the absolute {@code imagePath}; its mode is kept. */
    public PoolyImage withFile(Path hostFile, String imagePath) {
        if (!Files.isRegularFile(hostFile)) throw new IllegalArgumentException("no file " + hostFile.toAbsolutePath());
        if (!imagePath.startsWith("/")) throw new IllegalArgumentException("imagePath must be absolute: " + imagePath);
        Map<String, Path> more = new LinkedHashMap<>(files);
        more.put(imagePath, hostFile.toAbsolutePath());
        return new PoolyImage(poolyJar, commands, modules, more, cacheDir);
    }

    /** Where the linked runtime is cached (default: {@code java.io.tmpdir/pooly-testcontainers}). */
    public PoolyImage withCacheDirectory(Path dir) {
        return new PoolyImage(poolyJar, commands, modules, files, dir.toAbsolutePath());
    }

    /**
     * The image, as Testcontainers' lazy {@link ImageFromDockerfile}: pass it to
     * {@link PoolyContainer#PoolyContainer(java.util.concurrent.Future)}. Share one across tests:
     * it is built once, on first use, and removed when the JVM exits.
     */
    public ImageFromDockerfile build() {
        return new ImageFromDockerfile("localhost/pooly-testcontainers:" + tag(), true)
                .withFileFromString("Dockerfile", """
                        FROM scratch
                        COPY rootfs/ /
                        ENV PATH=/usr/bin:/usr/sbin JAVA_HOME=/opt/pooly/java
                        WORKDIR /pooly
                        CMD ["pooly", "--help"]
                        """)
                .withFileFromTransferable("rootfs", new LazyRootFilesystem(this::rootFilesystem));
    }

    /**
     * A base image for {@code deploy/kubernetes/Dockerfile} where no registry is reachable (so no
     * {@code eclipse-temurin} image): {@code FROM scratch} plus the Java runtime linked from the JDK
     * this JVM runs on (at {@code /opt/pooly/java}, also {@code /usr/bin/java}, {@code JAVA_HOME} set)
     * and the programs of {@link #COMMANDS} with their shared libraries; {@code PATH} includes
     * {@code /usr/local/bin}, no user but root. Build the Dockerfile on it with
     * {@code --build-arg BASE=<its name>}. Named {@code localhost/pooly-base:java<N>-<hash of its inputs>};
     * built when first needed, once per JVM. Testcontainers removes it at exit where its Ryuk container
     * runs; elsewhere remove it yourself, after the images built on it (DockerfileIT does). From a shell, without
     * Testcontainers' Docker client, {@link #main} writes the same build context for {@code docker build -}.
     */
    public static ImageFromDockerfile runtimeBase() {
        Path cacheDir = defaultCacheDirectory();
        return new ImageFromDockerfile("localhost/pooly-base:java" + Runtime.version().feature() + "-" + baseTag(), true)
                .withFileFromString("Dockerfile", BASE_DOCKERFILE)
                .withFileFromTransferable("rootfs", new LazyRootFilesystem(() -> new RootFilesystem(baseEntries(COMMANDS, JavaRuntime.POOLY_MODULES, cacheDir))));
    }

    private static final String BASE_DOCKERFILE = """
            FROM scratch
            COPY rootfs/ /
            ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin JAVA_HOME=/opt/pooly/java
            CMD ["sh"]
            """;

    /**
     * Writes the build context of {@link #runtimeBase()} (a tar: its {@code Dockerfile} and the root
     * filesystem) to standard output, for a machine with a Docker engine and no registry:
     *
     * <pre>{@code
     * java -cp "testcontainers/target/classes:$(cat testcontainers/target/runtime-classpath)" \
     *     dev.pooly.testcontainers.PoolyImage base-context | docker build -t pooly-base:25 -
     * }</pre>
     *
     * Run it on the JDK whose runtime the image should have (>= 21; 25 for the daemon's posix_spawn
     * launcher). docs/kubernetes.md has the whole recipe.
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1 || !args[0].equals("base-context")) {
            System.err.println("usage: java -cp CLASSPATH " + PoolyImage.class.getName() + " base-context | docker build -t pooly-base:"
                    + Runtime.version().feature() + " -\n(writes the base image's build context, a tar, to standard output)");
            System.exit(64);
        }
        RootFilesystem files = new RootFilesystem(baseEntries(COMMANDS, JavaRuntime.POOLY_MODULES, defaultCacheDirectory()));
        byte[] dockerfile = BASE_DOCKERFILE.getBytes(StandardCharsets.UTF_8);
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new BufferedOutputStream(System.out, 1 << 16))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            TarArchiveEntry entry = new TarArchiveEntry("Dockerfile");
            entry.setSize(dockerfile.length);
            tar.putArchiveEntry(entry);
            tar.write(dockerfile);
            tar.closeArchiveEntry();
            files.transferTo(tar, "rootfs");
            tar.finish();
        }
    }

    /** The image's files; links the runtime if the cache lacks it (slow: up to 20 seconds). */
    RootFilesystem rootFilesystem() {
        List<Entry> entries = baseEntries(commands, modules, cacheDir);
        Set<String> directories = directoriesOf(entries);
        entries.add(new Directory("pooly", 0755));
        directories.add("pooly");
        entries.add(new HostFile("opt/pooly/pooly.jar", poolyJar, 0644));
        entries.add(new Content("usr/bin/pooly", launcher(), 0755));
        for (Map.Entry<String, Path> file : files.entrySet()) {
            String imagePath = file.getKey().substring(1);
            RootFilesystem.addParents(imagePath, entries, directories);
            entries.add(new HostFile(imagePath, file.getValue(), mode(file.getValue())));
        }
        return new RootFilesystem(entries);
    }

    /** What every image has: the directories, the programs and their libraries, the runtime, root's passwd entry. */
    private static List<Entry> baseEntries(Iterable<String> commands, Iterable<String> modules, Path cacheDir) {
        List<Entry> entries = new ArrayList<>();
        Set<String> directories = new LinkedHashSet<>(List.of("usr", "usr/bin", "usr/sbin", "usr/lib", "usr/lib64", "usr/local",
                "usr/local/bin", "opt", "opt/pooly", "etc"));
        for (String dir : directories) entries.add(new Directory(dir, 0755));
        entries.add(new Directory("tmp", 01777));
        for (String merged : List.of("bin", "lib", "lib64", "sbin")) entries.add(new Symlink(merged, "usr/" + merged));
        Path runtime = JavaRuntime.linked(modules, cacheDir);
        RootFilesystem.addPrograms(entries, directories, commands, HostCommands.runtimeLibraries(runtime));
        entries.add(new HostTree("opt/pooly/java", runtime));
        entries.add(new Symlink("usr/bin/java", "/opt/pooly/java/bin/java"));
        entries.add(new Content("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n".getBytes(StandardCharsets.UTF_8), 0644));
        entries.add(new Content("etc/group", "root:x:0:\n".getBytes(StandardCharsets.UTF_8), 0644));
        return entries;
    }

    private static Set<String> directoriesOf(List<Entry> entries) {
        Set<String> directories = new LinkedHashSet<>();
        for (Entry e : entries) if (e instanceof Directory d) directories.add(d.path());
        return directories;
    }

    private static Path defaultCacheDirectory() {
        return Path.of(System.getProperty("java.io.tmpdir"), "pooly-testcontainers");
    }

    /** Changes when the base's inputs do: the JDK, and this machine's programs. */
    private static String baseTag() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((System.getProperty("java.home") + "\n" + Runtime.version() + "\n" + JavaRuntime.POOLY_MODULES + "\n" + BASE_DOCKERFILE)
                    .getBytes(StandardCharsets.UTF_8));
            for (String name : COMMANDS) {
                Path p = HostCommands.find(name);
                sha.update((p + ":" + Files.size(p) + ":" + Files.getLastModifiedTime(p).toMillis() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] launcher() {
        try (InputStream in = PoolyImage.class.getResourceAsStream("internal/pooly.sh")) {
            if (in == null) throw new IllegalStateException("pooly.sh is missing from the pooly-testcontainers jar");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int mode(Path file) {
        try {
            return ((Integer) Files.getAttribute(file, "unix:mode")) & 0777;
        } catch (IOException | UnsupportedOperationException e) {
            return 0644;
        }
    }

    /** A tag that changes when the inputs do, so that images of different jars never mix. */
    private String tag() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            List<Path> inputs = new ArrayList<>(List.of(poolyJar));
            inputs.addAll(files.values());
            for (Path p : inputs) sha.update((p + ":" + Files.size(p) + ":" + Files.getLastModifiedTime(p).toMillis() + "\n").getBytes(StandardCharsets.UTF_8));
            sha.update((commands + "\n" + modules + "\n" + files.keySet() + "\n" + Runtime.version()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Computes the root filesystem only when Docker asks for the build context. Confined to the
     * thread that builds the image (Testcontainers resolves an image once, under a lock).
     */
    static final class LazyRootFilesystem implements org.testcontainers.images.builder.Transferable {
        private final java.util.function.Supplier<RootFilesystem> compute;
        private RootFilesystem files;

        LazyRootFilesystem(java.util.function.Supplier<RootFilesystem> compute) {
            this.compute = compute;
        }

        private RootFilesystem files() {
            if (files == null) files = compute.get();
            return files;
        }

        @Override public long getSize() {
            return files().getSize();
        }

        @Override public String getDescription() {
            return files().getDescription();
        }

        @Override public void transferTo(TarArchiveOutputStream tar, String destination) {
            files().transferTo(tar, destination);
        }
    }
}
