package dev.pooly.supervisor.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One way of starting an OS process in a session of its own with piped stdin, stdout and stderr.
 * Two exist: {@code PosixSpawnPath} (Java 22+ on Linux with glibc: one {@code posix_spawn} through the
 * FFM API, shipped in this jar's {@code META-INF/versions/22}) and {@link JdkSpawnPath} (any JDK:
 * {@link ProcessBuilder} through {@code setpriv} and {@code setsid}). {@link Launcher} picks one at
 * class initialisation; {@code -Dpooly.launcher=jdk} forces the second.
 *
 * <p>Implementations are thread-safe; {@link #spawn} blocks for the spawn only (a few hundred
 * microseconds) and is called on a {@link Spawner} thread when {@link #deathSignal()} ties the child to
 * its spawner thread, else on the launching thread.
 */
interface SpawnPath {
    /** "posix_spawn" or "ProcessBuilder", for logs and docs. */
    String name();

    /**
     * Starts {@code argv} with {@code program} in {@code cwd} (null: this JVM's own) with this JVM's
     * environment plus {@code env}; the child leads a new session (and so a process group).
     * {@code program} is a path, or, only where {@link #searchesPath()}, a bare name to find on this
     * JVM's PATH as execvp(3) does ({@link NotFound} when nothing there can be run).
     * {@code placer} gets the pid as soon as it exists, before anything else is done, so that the
     * child is moved into its cgroup as early as this JVM can.
     */
    Spawned spawn(String program, List<String> argv, Path cwd, Map<String, String> env, Placer placer) throws IOException;

    /** Whether {@link #spawn} takes a bare command name and searches this JVM's PATH for it itself. */
    default boolean searchesPath() { return false; }

    /** A bare command name was not found on PATH, or nothing found there could be run. */
    final class NotFound extends IOException {
        NotFound(String message) { super(message); }
    }

    /**
     * How new children reach their cgroup: {@code "clone_into_cgroup"} (born in it: glibc's
     * {@code posix_spawnattr_setcgroup_np}, glibc >= 2.39 on Linux >= 5.7) or {@code "migrate"}
     * (spawned in this JVM's cgroup, then moved by a write to {@code cgroup.procs}, which waits for an
     * RCU grace period on a cgroup2 mount without {@code favordynmods}).
     */
    default String placement() { return "migrate"; }

    /** Where a just-spawned child belongs, and how it is moved there when it was not born there. */
    interface Placer {
        /** Moves a just-spawned pid (and what it forked meanwhile) into its cgroup. */
        void place(long pid) throws IOException;

        /** The cgroup directory to spawn the child into where the path can (null: none). */
        default Path cgroup() { return null; }
    }

    /** Whether the child's death signal ties it to its spawner thread (setpriv --pdeathsig). */
    boolean deathSignal();
}
