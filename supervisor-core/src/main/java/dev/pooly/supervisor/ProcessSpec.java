package dev.pooly.supervisor;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A supervised OS process: argv (no shell unless you write one), environment additions, working
 * directory, restart type, shutdown, readiness, what becomes of its streams and where logs go.
 * Immutable and thread-safe ({@code command} and {@code env} are copied).
 *
 * @param env added to (and overriding) the JVM's own environment
 * @param cwd working directory; {@code null} for the JVM's
 * @param backoff how restarts after short runs are delayed ({@link Backoff#DEFAULT} unless set)
 * @param health  its health check, or null for none
 * @param maxMemory bytes of RSS its whole process tree may use; over it, it is stopped gracefully and
 *                restarted (exit reason memory); 0 = no limit
 */
public record ProcessSpec(
        String id,
        List<String> command,
        Map<String, String> env,
        Path cwd,
        RestartType restart,
        Shutdown shutdown,
        Readiness readiness,
        Stdio stdio,
        LogSpec logs,
        Backoff backoff,
        ProcessHealth health,
        long maxMemory) implements ChildSpec {

    public ProcessSpec {
        ChildSpec.checkId(id);
        Objects.requireNonNull(command, "command");
        if (command.isEmpty()) throw new IllegalArgumentException("process " + id + ": command must not be empty");
        command = List.copyOf(command);
        env = Map.copyOf(env == null ? Map.of() : env);
        Objects.requireNonNull(restart, "restart");
        Objects.requireNonNull(shutdown, "shutdown");
        Objects.requireNonNull(readiness, "readiness");
        Objects.requireNonNull(stdio, "stdio");
        Objects.requireNonNull(logs, "logs");
        Objects.requireNonNull(backoff, "backoff");
        if (maxMemory < 0) throw new IllegalArgumentException("process " + id + ": max_memory must not be negative, was " + maxMemory);
    }

    /** A spec without health check or memory limit. */
    public ProcessSpec(String id, List<String> command, Map<String, String> env, Path cwd, RestartType restart,
                       Shutdown shutdown, Readiness readiness, Stdio stdio, LogSpec logs, Backoff backoff) {
        this(id, command, env, cwd, restart, shutdown, readiness, stdio, logs, backoff, null, 0);
    }

    /** A spec with the default {@link Backoff}. */
    public ProcessSpec(String id, List<String> command, Map<String, String> env, Path cwd, RestartType restart,
                       Shutdown shutdown, Readiness readiness, Stdio stdio, LogSpec logs) {
        this(id, command, env, cwd, restart, shutdown, readiness, stdio, logs, Backoff.DEFAULT);
    }

    /**
     * A permanent process with the contract's defaults: graceful 5 s shutdown, ready at once, output
     * logged, logs discarded until {@link #withLogs} names a directory.
     */
    public static ProcessSpec of(String id, List<String> command) {
        return new ProcessSpec(id, command, Map.of(), null, RestartType.PERMANENT, Shutdown.DEFAULT,
                Readiness.immediate(), Stdio.LOGGED, LogSpec.discard());
    }

    public static ProcessSpec of(String id, String... command) { return of(id, List.of(command)); }

    @Override public ProcessSpec withId(String id) {
        return new ProcessSpec(id, command, env, cwd, restart, shutdown, readiness, stdio, logs, backoff, health, maxMemory);
    }
    @Override public ProcessSpec withRestart(RestartType restart) {
        return new ProcessSpec(id, command, env, cwd, restart, shutdown, readiness, stdio, logs, backoff, health, maxMemory);
    }
    public ProcessSpec withShutdown(Shutdown shutdown) {
        return new ProcessSpec(id, command, env, cwd, restart, shutdown, readiness, stdio, logs, backoff, health, maxMemory);
    }
    public ProcessSpec withReadiness(Readiness readiness) {
        return new ProcessSpec(id, command, env, cwd, restart, shutdown, readiness, stdio, logs, backoff, health, maxMemory);
    }
    public ProcessSpec withStdio(Stdio stdio) {
        return new ProcessSpec(id, command, env, cwd, restart, shutdown, readiness, stdio, logs, backoff, health, maxMemory);
    }
    public ProcessSpec withLogs(LogSpec logs) {
        return new ProcessSpec(id, command, env, cwd, restart, shutdown, readiness, stdio, logs, backoff, health, maxMemory);
    }
    public ProcessSpec withEnv(Map<String, String> env) {
        return new ProcessSpec(id, command, env, cwd, restart, shutdown, readiness, stdio, logs, backoff, health, maxMemory);
    }
    public ProcessSpec withHealth(ProcessHealth health) {
        return new ProcessSpec(id, command, env, cwd, restart, shutdown, readiness, stdio, logs, backoff, health, maxMemory);
    }
    public ProcessSpec withMaxMemory(long maxMemory) {
        return new ProcessSpec(id, command, env, cwd, restart, shutdown, readiness, stdio, logs, backoff, health, maxMemory);
    }
    public ProcessSpec withBackoff(Backoff backoff) {
        return new ProcessSpec(id, command, env, cwd, restart, shutdown, readiness, stdio, logs, backoff, health, maxMemory);
    }
    public ProcessSpec withCwd(Path cwd) {
        return new ProcessSpec(id, command, env, cwd, restart, shutdown, readiness, stdio, logs, backoff, health, maxMemory);
    }
}
