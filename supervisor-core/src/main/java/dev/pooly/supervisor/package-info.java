/**
 * OTP supervision of OS processes and in-JVM services.
 *
 * <p>A tree is described by immutable specs ({@link dev.pooly.supervisor.SupervisorSpec},
 * {@link dev.pooly.supervisor.ProcessSpec}, {@link dev.pooly.supervisor.ServiceSpec}) and started with
 * {@link dev.pooly.supervisor.SupervisionTree#start}. Strategies, restart types, shutdown and restart
 * intensity mean what they mean in Erlang/OTP's {@code supervisor}.
 *
 * <h2>Concurrency model</h2>
 * Every supervisor is an actor: it owns its children's state and changes it only on its own
 * virtual thread, taking one message at a time from its mailbox (child exited, start/stop/restart/kill
 * requests, shutdown). Nobody else touches that state, so it needs no lock. Requests from other
 * threads are messages answered through {@link java.util.concurrent.CompletableFuture}s. Exits are
 * detected with {@link java.lang.ProcessHandle#onExit()} and posted to the mailbox; nothing polls.
 * Status is read without the mailbox, from per-node volatile fields, so {@code status()} answers even
 * while a supervisor waits out a graceful shutdown.
 *
 * The mailbox closes in the same step as the supervisor terminates: a request sent after that fails
 * at once with {@link java.lang.IllegalStateException}; none is left unanswered.
 *
 * <h2>Launch</h2>
 * On Java 22+ on Linux (this jar is multi-release) a process is one {@code posix_spawn(3)} through the
 * FFM API with {@code POSIX_SPAWN_SETSID}, called on its supervisor's own thread: the command itself,
 * in a session and process group of its own, with every descriptor above 2 closed; Pooly reaps it
 * ({@code waitpid} after {@link java.lang.ProcessHandle#onExit()}), so no zombie stays and a death by
 * signal is reported as that signal. One thread reads every process's stderr ({@code poll(2)}). On
 * Java 21, or with {@code -Dpooly.launcher=jdk}, {@link java.lang.ProcessBuilder} runs
 * {@code setpriv --pdeathsig KILL -- setsid -- command} instead, from a few platform threads that
 * live as long as the JVM ("pooly-spawner-N": the parent-death signal fires when the spawning
 * <em>thread</em> exits), with a stderr thread per process. {@link dev.pooly.supervisor.SupervisionTree#launchPath()} says which is in force.
 *
 * <h2>Containment</h2>
 * What {@link dev.pooly.supervisor.SupervisionTree#containment()} reports, decided once per JVM and
 * logged once:
 * <ul>
 * <li>{@code "cgroup"} (cgroup v2 usable: found from /proc/self/mountinfo and /proc/self/cgroup, writable,
 * with {@code cgroup.kill}). The JVM creates {@code pooly-PID} below its own cgroup and moves itself
 * into {@code pooly-PID/daemon}; each supervisor gets a directory and each process incarnation a cgroup
 * below its supervisor's. A child is born in the JVM's cgroup (posix_spawn cannot name another before
 * glibc 2.39) and moved into its own by the spawning thread right after the spawn returns, before its launch completes, together with
 * whatever it forked meanwhile that still descends from it. Guarantee: every descendant of a supervised
 * process dies when the JVM dies, even by SIGKILL (the guardian, outside the cgroup, writes
 * {@code cgroup.kill} of {@code pooly-PID}); and with that process's stop, kill, exit or shutdown,
 * including descendants that called {@code setsid()} or double-forked, except one forked and orphaned
 * within the microseconds between spawn and move, which dies with the JVM only. Pooly removes the
 * directories it created once they are empty, and no others; it never writes a v1 hierarchy.</li>
 * <li>{@code "session-tracking"} (no cgroup v2, no permission, a container, not Linux, or
 * {@code -Dpooly.containment=session-tracking}): process groups, plus every descendant found outside
 * the group at a stop or kill (a {@code setsid()} child is still a descendant while its parent lives).
 * Not promised: a double-forked descendant (re-parented to init before the stop), and any
 * {@code setsid()} descendant when the JVM is SIGKILLed (the guardian kills process groups only).</li>
 * </ul>
 *
 * <p>Everything under {@code dev.pooly.supervisor.internal} is implementation and may change.
 */
package dev.pooly.supervisor;
