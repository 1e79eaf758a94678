package dev.pooly.supervisor.internal;

import dev.pooly.supervisor.ExitStatus;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The launch path for Java 21 and wherever {@code posix_spawn} through FFM is not available (or
 * {@code -Dpooly.launcher=jdk}): {@link ProcessBuilder} running {@code setpriv --pdeathsig KILL --
 * setsid -- command} where both exist (Linux), the command alone elsewhere. That is three execs and
 * two JDK threads per process (its reaper and a stderr pump); the kernel kills the child if its
 * spawner thread dies, hence the {@link Spawner}'s long-lived threads. Thread-safe (immutable).
 */
final class JdkSpawnPath implements SpawnPath {
    private final List<String> wrapper = wrapper();

    @Override public String name() { return "ProcessBuilder"; }

    @Override public boolean deathSignal() { return !wrapper.isEmpty(); }

    @Override public Spawned spawn(String program, List<String> argv, Path cwd, Map<String, String> env, Placer placer) throws IOException {
        // argv as given: the wrapper's last exec finds argv[0] on the child's PATH, as the Launcher did.
        List<String> command = new ArrayList<>(wrapper);
        command.addAll(argv);
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd == null ? null : cwd.toFile());
        pb.environment().putAll(env);
        Process process = pb.start();
        try {
            placer.place(process.pid());
        } catch (IOException | RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
        InputStream err = process.getErrorStream();
        return new Spawned(process.toHandle(), process.getOutputStream(), process.getInputStream(),
                process.onExit().thenApply(p -> ExitStatus.ofExitValue(p.exitValue())),
                sink -> Threads.startReader("pooly-err-" + process.pid(), () -> pump(err, sink)));
    }

    private static void pump(InputStream err, Spawned.Sink sink) {
        byte[] buf = new byte[8192];
        try (err) {
            int n;
            while ((n = err.read(buf)) > 0) sink.write(buf, 0, n);
        } catch (IOException ignored) {
            // Pipe closed: the process is gone.
        } finally {
            sink.ended();
        }
    }

    private static List<String> wrapper() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) return List.of();
        String setpriv = onPath("setpriv");
        String setsid = onPath("setsid");
        if (setpriv == null || setsid == null) return List.of();
        return List.of(setpriv, "--pdeathsig", "KILL", "--", setsid, "--");
    }

    private static String onPath(String exe) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, exe);
            if (Files.isExecutable(p)) return p.toString();
        }
        for (String dir : List.of("/usr/bin", "/bin")) {
            Path p = Path.of(dir, exe);
            if (Files.isExecutable(p)) return p.toString();
        }
        return null;
    }
}
