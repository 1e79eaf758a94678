package dev.pooly.testcontainers.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * This machine's programs ({@code sh}, {@code setpriv}...) and the shared libraries they load, as
 * {@code ldd} lists them, to copy into a {@code FROM scratch} image. Linux only. Stateless.
 */
public final class HostCommands {
    private static final List<Path> SEARCH = List.of(Path.of("/usr/bin"), Path.of("/bin"), Path.of("/usr/sbin"), Path.of("/sbin"),
            Path.of("/usr/local/bin"));
    /** {@code libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)} or {@code /lib64/ld-linux-x86-64.so.2 (0x...)}. */
    private static final Pattern LIBRARY = Pattern.compile("^\\s*(?:\\S+\\s+=>\\s+)?(/\\S+)\\s+\\(0x[0-9a-f]+\\)\\s*$");

    private HostCommands() {}

    /** The program {@code name} on this machine; {@link IllegalArgumentException} if there is none. */
    public static Path find(String name) {
        if (name.contains("/")) throw new IllegalArgumentException("a command name, not a path: " + name);
        for (Path dir : SEARCH) {
            Path candidate = dir.resolve(name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return candidate;
        }
        throw new IllegalArgumentException("no program '" + name + "' on this machine (looked in " + SEARCH + ")");
    }

    /** The shared libraries {@code binary} loads, the dynamic loader included; none for a static binary. */
    public static Set<Path> libraries(Path binary) {
        return libraries(binary, true);
    }

    /**
     * The Java runtime's native code ({@code bin/java}, {@code lib/**}/*.so) and the system libraries
     * they load. Libraries that ldd cannot find are the runtime's own ({@code libjvm.so}, found by
     * the launcher at run time), so they are not an error here.
     */
    public static Set<Path> runtimeLibraries(Path runtime) {
        Set<Path> libraries = new LinkedHashSet<>();
        try (Stream<Path> walk = Files.walk(runtime)) {
            for (Path p : walk.filter(HostCommands::isRuntimeNativeCode).toList()) libraries.addAll(libraries(p, false));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the Java runtime at " + runtime, e);
        }
        libraries.removeIf(p -> p.startsWith(runtime));
        return libraries;
    }

    private static boolean isRuntimeNativeCode(Path p) {
        String name = p.getFileName().toString();
        return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                && (name.endsWith(".so") || (name.equals("java") && p.getParent().getFileName().toString().equals("bin")));
    }

    private static Set<Path> libraries(Path binary, boolean strict) {
        Set<Path> libraries = new LinkedHashSet<>();
        String out;
        try {
            Process ldd = new ProcessBuilder("ldd", binary.toString()).redirectErrorStream(true).start();
            out = new String(ldd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = ldd.waitFor();
            if (status != 0) {
                if (out.contains("not a dynamic executable") || out.contains("statically linked")) return libraries;
                throw new IllegalStateException("ldd " + binary + " failed (" + status + "): " + out.strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run ldd (is this Linux, with libc-bin installed?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running ldd " + binary, e);
        }
        for (String line : out.lines().toList()) {
            if (line.contains("=> not found")) {
                if (!strict) continue;
                throw new IllegalStateException(binary + " needs a library this machine lacks: " + line.strip());
            }
            Matcher m = LIBRARY.matcher(line);
            if (m.matches()) libraries.add(Path.of(m.group(1)));
        }
        return libraries;
    }

    /**
     * Where a host path goes in an image whose {@code /bin}, {@code /lib}, {@code /lib64} and
     * {@code /sbin} are links into {@code /usr}: the same path under {@code usr/}, relative to the root.
     */
    public static String imagePath(Path hostPath) {
        String p = hostPath.normalize().toString();
        for (String merged : List.of("/bin/", "/lib/", "/lib64/", "/sbin/")) {
            if (p.startsWith(merged)) return "usr" + p;
        }
        return p.substring(1);
    }
}
