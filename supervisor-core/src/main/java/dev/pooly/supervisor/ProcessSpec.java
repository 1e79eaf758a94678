package dev.pooly.supervisor;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A supervised OS process: argv (no shell unless you write one), environment additions, working
 * directory, restart type, shutdown, readiness, what becomes of its streams and where logs go.
 *
 * @param env added to (and overriding) the JVM's own environment
 * @param cwd working directory; {@code null} for the JVM's
 * @param backoff how restarts after short runs are delayed ({@link Backoff#DEFAULT} unless set)
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
        Backoff backoff) implements ChildSpec {

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
        return new ProcessSpec(id, command, env, cwd, restart, shutdown, readiness, stdio, logs, backoff);
    }
    @Override public ProcessSpec withRestart(RestartType restart) {
        return new ProcessSpec(id, command, env, cwd, restart, shutdown, readiness, stdio, logs, backoff);
    }
    public ProcessSpec withShutdown(Shutdown shutdown) {
        return new ProcessSpec(id, command, env, cwd, restart, shutdown, readiness, stdio, logs, backoff);
    }
    public ProcessSpec withReadiness(Readiness readiness) {
        return new ProcessSpec(id, command, env, cwd, restart, shutdown, readiness, stdio, logs, backoff);
    }
    public ProcessSpec withStdio(Stdio stdio) {
        return new ProcessSpec(id, command, env, cwd, restart, shutdown, readiness, stdio, logs, backoff);
    }
    public ProcessSpec withLogs(LogSpec logs) {
        return new ProcessSpec(id, command, env, cwd, restart, shutdown, readiness, stdio, logs, backoff);
    }
    public ProcessSpec withEnv(Map<String, String> env) {
        return new ProcessSpec(id, command, env, cwd, restart, shutdown, readiness, stdio, logs, backoff);
    }
    public ProcessSpec withBackoff(Backoff backoff) {
        return new ProcessSpec(id, command, env, cwd, restart, shutdown, readiness, stdio, logs, backoff);
    }
    public ProcessSpec withCwd(Path cwd) {
        return new ProcessSpec(id, command, env, cwd, restart, shutdown, readiness, stdio, logs, backoff);
    }
}
