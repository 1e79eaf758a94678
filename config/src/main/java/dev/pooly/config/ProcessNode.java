package dev.pooly.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A {@code process:} entry: one supervised OS process. Immutable.
 *
 * @param command the argv, program first; never run through a shell
 * @param env     added to the daemon's environment, in file order
 * @param cwd     absolute, resolved against the config file's directory
 * @param backoff how restarts after short runs are delayed
 * @param health  its health check, or null
 * @param maxMemory bytes of RSS its whole process tree may use; 0 = no limit
 */
public record ProcessNode(
        String id,
        List<String> command,
        Map<String, String> env,
        Path cwd,
        RestartType restart,
        ShutdownSetting shutdown,
        ReadySetting ready,
        Location location,
        BackoffSetting backoff,
        ProcessHealthSetting health,
        long maxMemory) implements ChildNode {

    public ProcessNode {
        Objects.requireNonNull(id, "id");
        command = List.copyOf(command);
        if (command.isEmpty()) throw new IllegalArgumentException("process " + id + " has an empty command");
        env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
        Objects.requireNonNull(cwd, "cwd");
        Objects.requireNonNull(restart, "restart");
        Objects.requireNonNull(shutdown, "shutdown");
        Objects.requireNonNull(ready, "ready");
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(backoff, "backoff");
    }

    /** A process with the default backoff. */
    public ProcessNode(String id, List<String> command, Map<String, String> env, Path cwd, RestartType restart,
                       ShutdownSetting shutdown, ReadySetting ready, Location location) {
        this(id, command, env, cwd, restart, shutdown, ready, location, BackoffSetting.DEFAULT, null, 0);
    }
}
