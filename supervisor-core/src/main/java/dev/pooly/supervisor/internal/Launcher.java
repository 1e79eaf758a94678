package dev.pooly.supervisor.internal;

import dev.pooly.supervisor.ChildStartException;
import dev.pooly.supervisor.ProcessSpec;
import dev.pooly.supervisor.Readiness;
import dev.pooly.supervisor.Stdio;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;

/**
 * Starts OS processes from {@link ProcessSpec}s: checks and resolves the executable, spawns it through
 * the {@link SpawnPath} in force, places it in its {@linkplain Containment cgroup}, wires its streams,
 * and completes once it is ready.
 *
 * <p>Thread-safe (its state is the launch path chosen once, and the non-Linux shutdown-hook
 * registry). {@link #launch} blocks its caller for the spawn itself on the posix_spawn path (a few
 * hundred microseconds: the spawn and the move into the cgroup), never for readiness; on the
 * ProcessBuilder path the spawn runs on a {@link Spawner} thread and {@link #launch} does not block.
 */
public final class Launcher {
    private static final Logger LOG = LoggerFactory.getLogger(Launcher.class);
    private static final int MAX_READY_LINE = 64 * 1024;
    /** The launch path in force for this JVM: see {@link SpawnPath}. */
    static final SpawnPath PATH = choosePath();
    /** Where neither a death signal nor the guardian exists (not Linux): one shutdown hook kills what is left. */
    private static final Set<ProcessHandle> UNGUARDED = ConcurrentHashMap.newKeySet();
    private static final boolean GUARDED = System.getProperty("os.name", "").toLowerCase().contains("linux");

    static {
        if (!GUARDED) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> UNGUARDED.forEach(ProcessTree::kill), "pooly-orphan-guard"));
        }
    }

    /**
     * posix_spawn through FFM where this jar's Java 22+ classes are visible (a multi-release jar on
     * Java 22+) and libc has what it needs; else ProcessBuilder. {@code -Dpooly.launcher=jdk} forces the latter.
     */
    private static SpawnPath choosePath() {
        if (!"jdk".equals(System.getProperty("pooly.launcher"))) {
            try {
                Class<?> ffm = Class.forName(Launcher.class.getPackageName() + ".PosixSpawnPath");
                var create = ffm.getDeclaredMethod("create");
                return (SpawnPath) create.invoke(null);
            } catch (ClassNotFoundException e) {
                // Java 21, or not from the multi-release jar: today's path.
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                Throwable why = e instanceof java.lang.reflect.InvocationTargetException i ? i.getCause() : e;
                LOG.info("posix_spawn launcher unavailable ({}); using ProcessBuilder", String.valueOf(why));
            }
        }
        return new JdkSpawnPath();
    }

    /** How new children reach their cgroup: "clone_into_cgroup" or "migrate" (see {@link SpawnPath#placement}). */
    public static String placement() {
        return PATH.placement();
    }

    /** "posix_spawn" or "ProcessBuilder": how this JVM starts processes. */
    public static String launchPath() {
        return PATH.name();
    }

    private Launcher() {}

    /**
     * Launches {@code spec}; the future completes with the ready process, or with a
     * {@link ChildStartException} naming the command and saying why it could not start.
     *
     * @param logName the stem of its log files ({@code logName.out.log}, {@code logName.err.log})
     */
    public static CompletableFuture<RunningProcess> launch(ProcessSpec spec, String childId, String logName) {
        return launch(spec, childId, logName, null);
    }

    /**
     * As {@link #launch(ProcessSpec, String, String)}, placing the process in a cgroup of its own
     * below {@code group} (the supervisor's; null: directly below the daemon's) where cgroups are in force.
     */
    public static CompletableFuture<RunningProcess> launch(ProcessSpec spec, String childId, String logName, String group) {
        String program;
        Path cwd;
        try {
            cwd = workingDirectory(spec, childId);
            program = program(spec, childId, cwd);
        } catch (ChildStartException e) {
            return CompletableFuture.failedFuture(e);
        }
        StderrTail tail = new StderrTail();
        RotatingLog errLog = RotatingLog.open(spec.logs(), logName + ".err.log");
        java.util.concurrent.Callable<Placed> spawn = () -> spawn(spec, program, cwd, logName, group);
        return (PATH.deathSignal() ? Spawner.submit(spawn) : here(spawn))
                .exceptionallyCompose(e -> CompletableFuture.failedFuture(new ChildStartException(childId,
                        "cannot start " + describe(spec) + ": " + rootMessage(e), e)))
                .thenCompose(placed -> {
                    Spawned spawned = placed.spawned();
                    RunningProcess running = new RunningProcess(childId, spawned, tail, placed.cgroup());
                    if (GUARDED) {
                        // The guardian kills the group (and, with cgroups, the daemon's whole cgroup) when we die.
                        Guardian.watch(running.pid());
                    } else {
                        UNGUARDED.add(running.handle());
                        running.exit().thenRun(() -> UNGUARDED.remove(running.handle()));
                    }
                    spawned.stderr().deliverTo(new Spawned.Sink() {
                        @Override public void write(byte[] buf, int off, int len) {
                            tail.append(buf, off, len);
                            if (errLog != null) errLog.write(buf, off, len);
                        }

                        @Override public void ended() {
                            tail.ended();
                        }
                    });
                    return awaitReady(spec, running, logName);
                });
    }

    private record Placed(Spawned spawned, Containment.Group cgroup) {}

    /**
     * Spawns on the calling thread (the supervisor's actor): the posix_spawn path ties no child to its
     * spawner thread, so the hop to a {@link Spawner} thread and back (two thread wake-ups, most of a
     * restart's latency on an idle machine) buys nothing. The spawn pins a virtual caller's carrier
     * for its duration (a few hundred microseconds), as blocking file I/O does.
     */
    private static <T> CompletableFuture<T> here(java.util.concurrent.Callable<T> spawn) {
        try {
            return CompletableFuture.completedFuture(spawn.call());
        } catch (Throwable t) {
            return CompletableFuture.failedFuture(t);
        }
    }

    /** Spawn, then move the child into its own cgroup before anyone sees it (on the thread {@link #launch} chose). */
    private static Placed spawn(ProcessSpec spec, String program, Path cwd, String logName, String group) throws IOException {
        Containment.Group cgroup = Containment.newGroup(group, logName);
        Spawned spawned;
        try {
            spawned = PATH.spawn(program, spec.command(), cwd, spec.env(), cgroup != null ? cgroup : pid -> { });
        } catch (SpawnPath.NotFound e) {
            if (cgroup != null) cgroup.removeLater();
            // The search in the child found nothing it could run: search here too, for a message that
            // says which (none on PATH, or one whose interpreter is missing).
            Path found = search(spec, cwd);
            throw new IOException(found == null ? "executable '" + program + "' not found on PATH" : "posix_spawn " + found + ": " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            if (cgroup != null) cgroup.removeLater();
            throw e;
        }
        return new Placed(spawned, cgroup);
    }

    private static CompletableFuture<RunningProcess> awaitReady(ProcessSpec spec, RunningProcess running, String logName) {
        CompletableFuture<RunningProcess> ready = new CompletableFuture<>();
        RotatingLog outLog = spec.stdio() == Stdio.LOGGED ? RotatingLog.open(spec.logs(), logName + ".out.log") : null;
        if (spec.stdio() == Stdio.LOGGED) closeQuietly(running.stdin());

        switch (spec.readiness()) {
            case Readiness.Immediate i -> {
                if (spec.stdio() == Stdio.LOGGED) pumpStdout(running, outLog, null, ready);
                ready.complete(running);
            }
            case Readiness.Delay d -> {
                if (spec.stdio() == Stdio.LOGGED) pumpStdout(running, outLog, null, ready);
                Timers.after(d.delay(), () -> {
                    if (running.runningNow()) ready.complete(running);
                });
            }
            case Readiness.Line l -> {
                ScheduledFuture<?> deadline = Timers.after(l.timeout(), () -> {
                    if (ready.completeExceptionally(new ChildStartException(running.id(), "cannot start " + describe(spec)
                            + ": no '" + l.line() + "' line on stdout within " + format(l.timeout())))) {
                        running.kill();
                    }
                });
                ready.whenComplete((r, e) -> deadline.cancel(false));
                if (spec.stdio() == Stdio.LOGGED) {
                    pumpStdout(running, outLog, l.line(), ready);
                } else {
                    Threads.startReader("pooly-ready-" + running.id(), () -> readFirstLine(spec, running, l.line(), ready));
                }
            }
        }
        // Dying before it is ready is a failed start. Registered after the switch: an Immediate child is
        // ready the moment it exists, and a quick exit of such a child is an exit, not a failed start.
        running.exit().thenAccept(status -> {
            if (ready.isDone()) return;
            Threads.startVirtual("pooly-start-failure-" + running.id(), () -> {
                String why = "exited (" + status + ") before it was ready";
                String tail = awaitStderrTail(running);
                ready.completeExceptionally(new ChildStartException(running.id(),
                        "cannot start " + describe(spec) + ": " + why + (tail.isEmpty() ? "" : "; stderr: " + tail)));
            });
        });

        ready.whenComplete((r, e) -> {
            if (e != null) running.kill();
        });
        return ready;
    }

    private static void readFirstLine(ProcessSpec spec, RunningProcess running, String expected, CompletableFuture<RunningProcess> ready) {
        try {
            String line = readLine(running.stdout());
            if (line == null) return; // EOF: the exit handler reports the failed start with its status.
            if (line.equals(expected)) {
                ready.complete(running);
            } else {
                ready.completeExceptionally(new ChildStartException(running.id(), "cannot start " + describe(spec)
                        + ": first stdout line was '" + abbreviate(line) + "', expected '" + expected + "'"));
            }
        } catch (IOException e) {
            // The process died or was killed by the deadline; those paths report the failure.
        }
    }

    /** Reads one line byte by byte so that nothing after it is consumed from the channel. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') break;
            if (line.size() < MAX_READY_LINE) line.write(b);
        }
        if (b == -1 && line.size() == 0) return null;
        String s = line.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    private static void pumpStdout(RunningProcess running, RotatingLog log, String readyLine, CompletableFuture<RunningProcess> ready) {
        Threads.startReader("pooly-out-" + running.id(), () -> {
            LineWatch watch = readyLine == null ? null : new LineWatch(readyLine, () -> ready.complete(running));
            byte[] buf = new byte[8192];
            try (InputStream in = running.stdout()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    if (log != null) log.write(buf, 0, n);
                    if (watch != null && watch.scan(buf, n)) watch = null;
                }
            } catch (IOException ignored) {
                // Pipe closed: the process is gone.
            }
        });
    }

    /** Gives the stderr pump a moment to drain what a dying process wrote, then returns the tail. */
    private static String awaitStderrTail(RunningProcess running) {
        return abbreviate(running.stderrTail(Duration.ofMillis(300)));
    }

    /** Watches a byte stream for one whole line equal to {@code expected}. Used by one pump thread only. */
    private static final class LineWatch {
        private final byte[] expected;
        private final Runnable onMatch;
        private final ByteArrayOutputStream current = new ByteArrayOutputStream();

        LineWatch(String expected, Runnable onMatch) {
            this.expected = expected.getBytes(StandardCharsets.UTF_8);
            this.onMatch = onMatch;
        }

        boolean scan(byte[] buf, int n) {
            for (int i = 0; i < n; i++) {
                if (buf[i] == '\n') {
                    byte[] line = current.toByteArray();
                    int len = line.length > 0 && line[line.length - 1] == '\r' ? line.length - 1 : line.length;
                    current.reset();
                    if (java.util.Arrays.equals(line, 0, len, expected, 0, expected.length)) {
                        onMatch.run();
                        return true;
                    }
                } else if (current.size() < MAX_READY_LINE) {
                    current.write(buf[i]);
                }
            }
            return false;
        }
    }

    /** The spec's working directory, checked; null when it names none (the process gets this JVM's, as it is). */
    private static Path workingDirectory(ProcessSpec spec, String childId) {
        if (spec.cwd() == null) return null;
        Path cwd = spec.cwd().toAbsolutePath();
        if (!Files.isDirectory(cwd)) {
            throw new ChildStartException(childId, "cannot start " + describe(spec) + ": working directory " + cwd + " does not exist");
        }
        return cwd;
    }

    /**
     * What to spawn: a command with a slash, checked here so that a bad path fails fast with a message
     * naming it; a bare name, as execvp(3) would find it on PATH: by the spawn itself in the child
     * where the spawn path can search (posix_spawnp, on this JVM's PATH, as execvp would) and the spec
     * sets no PATH of its own; else found here, on the PATH the child will have.
     */
    private static String program(ProcessSpec spec, String childId, Path cwd) {
        String exe = spec.command().get(0);
        if (exe.contains("/")) {
            Path p = against(cwd).resolve(exe);
            if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
                throw new ChildStartException(childId, "cannot start " + describe(spec) + ": " + p + " is not an executable file");
            }
            return p.toString();
        }
        if (PATH.searchesPath() && !spec.env().containsKey("PATH")) return exe;
        Path found = search(spec, cwd);
        if (found == null) throw new ChildStartException(childId, "cannot start " + describe(spec) + ": executable '" + exe + "' not found on PATH");
        return found.toString();
    }

    /** What a relative path in the child resolves against: its working directory, or this JVM's. */
    private static Path against(Path cwd) {
        return cwd == null ? Path.of("").toAbsolutePath() : cwd;
    }

    /** The first executable file named like the command on the PATH the child will have, or null. */
    private static Path search(ProcessSpec spec, Path cwd) {
        String exe = spec.command().get(0);
        String path = spec.env().get("PATH");
        if (path == null) path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            // One access(2) per directory that lacks it (java.io.File: a false, where Files.isRegularFile
            // throws and catches an exception per miss), and the stat for a regular file only on a hit.
            File candidate = new File(dir.startsWith("/") ? dir : against(cwd).resolve(dir).toString(), exe);
            if (candidate.canExecute() && candidate.isFile()) return candidate.toPath();
        }
        return null;
    }

    static String describe(ProcessSpec spec) {
        return spec.command().toString();
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null && e.getCause() != e) e = e.getCause();
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    private static String abbreviate(String s) {
        String oneLine = s.replace('\n', ' ').strip();
        return oneLine.length() > 300 ? "..." + oneLine.substring(oneLine.length() - 300) : oneLine;
    }

    static String format(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    private static void closeQuietly(OutputStream out) {
        try {
            out.close();
        } catch (IOException ignored) {
            // Already closed: the process does not read stdin anyway.
        }
    }

}
