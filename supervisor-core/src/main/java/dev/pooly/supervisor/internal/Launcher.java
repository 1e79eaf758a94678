package dev.pooly.supervisor.internal;

import dev.pooly.supervisor.ChildStartException;
import dev.pooly.supervisor.ProcessSpec;
import dev.pooly.supervisor.Readiness;
import dev.pooly.supervisor.Stdio;
import org.zeroturnaround.exec.ProcessExecutor;
import org.zeroturnaround.exec.listener.ProcessListener;
import org.zeroturnaround.exec.stream.ExecuteStreamHandler;

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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;

/**
 * Starts OS processes from {@link ProcessSpec}s: checks the executable, spawns it with zt-exec on the
 * {@link Spawner} thread wrapped in {@code setpriv --pdeathsig KILL} and {@code setsid}, wires its
 * streams, and completes once it is ready.
 *
 * <p>Thread-safe (stateless apart from the non-Linux shutdown-hook registry). {@link #launch} never
 * blocks its caller.
 */
public final class Launcher {
    private static final List<String> WRAPPER = wrapper();
    private static final int MAX_READY_LINE = 64 * 1024;
    /** Where setpriv is missing (not Linux), processes alive at JVM exit are killed by one shutdown hook. */
    private static final Set<ProcessHandle> UNGUARDED = ConcurrentHashMap.newKeySet();

    static {
        if (WRAPPER.isEmpty()) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> UNGUARDED.forEach(ProcessTree::kill), "pooly-orphan-guard"));
        }
    }

    private Launcher() {}

    /**
     * Launches {@code spec}; the future completes with the ready process, or with a
     * {@link ChildStartException} naming the command and saying why it could not start.
     *
     * @param logName the stem of its log files ({@code logName.out.log}, {@code logName.err.log})
     */
    public static CompletableFuture<RunningProcess> launch(ProcessSpec spec, String childId, String logName) {
        try {
            checkRunnable(spec, childId);
        } catch (ChildStartException e) {
            return CompletableFuture.failedFuture(e);
        }
        StderrTail tail = new StderrTail();
        return Spawner.submit(() -> spawn(spec))
                .exceptionallyCompose(e -> CompletableFuture.failedFuture(new ChildStartException(childId,
                        "cannot start " + describe(spec) + ": " + rootMessage(e), e)))
                .thenCompose(process -> {
                    RunningProcess running = new RunningProcess(childId, process, tail);
                    if (!WRAPPER.isEmpty()) {
                        // The kernel kills the process with us; the guardian kills what it started.
                        Guardian.watch(running.pid());
                    } else {
                        UNGUARDED.add(running.handle());
                        running.exit().thenRun(() -> UNGUARDED.remove(running.handle()));
                    }
                    pumpStderr(process.getErrorStream(), RotatingLog.open(spec.logs(), logName + ".err.log"), tail, childId);
                    return awaitReady(spec, running, logName);
                });
    }

    private static Process spawn(ProcessSpec spec) throws IOException {
        List<String> argv = new ArrayList<>(WRAPPER);
        argv.addAll(spec.command());
        Exec exec = new Exec();
        exec.command(argv);
        if (spec.cwd() != null) exec.directory(spec.cwd().toFile());
        exec.environment(spec.env());
        exec.redirectErrorStream(false); // zt-exec merges stderr into stdout by default: that would corrupt the channel
        exec.streams(new RawStreams());
        return exec.launch();
    }

    /** zt-exec without its per-process waiter thread: exits are seen through ProcessHandle.onExit. */
    static final class Exec extends ProcessExecutor {
        private Process started;

        Exec() {
            addListener(new ProcessListener() {
                @Override public void afterStart(Process process, ProcessExecutor executor) {
                    started = process;
                }
            });
        }

        Process launch() throws IOException {
            startInternal();
            return started;
        }
    }

    /** Leaves the pipes to us instead of pumping them into zt-exec's null streams. */
    static final class RawStreams implements ExecuteStreamHandler {
        @Override public void setProcessInputStream(OutputStream os) {}
        @Override public void setProcessErrorStream(InputStream is) {}
        @Override public void setProcessOutputStream(InputStream is) {}
        @Override public void start() {}
        @Override public void stop() {}
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
                    if (running.isAlive()) ready.complete(running);
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

    private static void pumpStderr(InputStream err, RotatingLog log, StderrTail tail, String childId) {
        tail.pumpedBy(Threads.startReader("pooly-err-" + childId, () -> {
            byte[] buf = new byte[8192];
            try (err) {
                int n;
                while ((n = err.read(buf)) > 0) {
                    tail.append(buf, 0, n);
                    if (log != null) log.write(buf, 0, n);
                }
            } catch (IOException ignored) {
                // Pipe closed: the process is gone.
            }
        }));
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

    /** Fails fast, with a message naming the command, for what would only fail inside setpriv. */
    private static void checkRunnable(ProcessSpec spec, String childId) {
        Path cwd = spec.cwd() == null ? Path.of("").toAbsolutePath() : spec.cwd();
        if (!Files.isDirectory(cwd)) {
            throw new ChildStartException(childId, "cannot start " + describe(spec) + ": working directory " + cwd + " does not exist");
        }
        String exe = spec.command().get(0);
        if (exe.contains("/")) {
            Path p = cwd.resolve(exe);
            if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
                throw new ChildStartException(childId, "cannot start " + describe(spec) + ": " + p + " is not an executable file");
            }
            return;
        }
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(spec.env());
        String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path candidate = cwd.resolve(dir).resolve(exe);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return;
        }
        throw new ChildStartException(childId, "cannot start " + describe(spec) + ": executable '" + exe + "' not found on PATH");
    }

    static String describe(ProcessSpec spec) {
        return spec.command().toString();
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
