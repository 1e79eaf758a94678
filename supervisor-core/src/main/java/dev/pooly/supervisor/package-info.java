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
 * <p>Every OS process is spawned from a few platform threads that live as long as the JVM ("pooly-spawner-N"), because Linux's
 * parent-death signal ({@code setpriv --pdeathsig KILL}) fires when the spawning <em>thread</em> exits.
 *
 * <p>Everything under {@code dev.pooly.supervisor.internal} is implementation and may change.
 */
package dev.pooly.supervisor;
