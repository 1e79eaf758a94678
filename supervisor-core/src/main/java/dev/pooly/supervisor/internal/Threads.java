package dev.pooly.supervisor.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * Named threads with an uncaught-exception handler that logs instead of vanishing: virtual threads
 * for actors and waiting; small-stack platform threads for blocking pipe reads, which would otherwise
 * pin virtual threads' carriers. Not the only place Pooly makes threads: the {@link Spawner}s, the
 * {@link Timers} thread, the stderr multiplexer and a few in pool-core and cli make their own, each
 * documented where it is made. Thread-safe (stateless).
 */
public final class Threads {
    private static final Logger LOG = LoggerFactory.getLogger(Threads.class);
    private static final Thread.UncaughtExceptionHandler HANDLER =
            (t, e) -> LOG.error("uncaught exception in thread {}", t.getName(), e);

    private Threads() {}

    public static Thread startVirtual(String name, Runnable task) {
        return Thread.ofVirtual().name(name).uncaughtExceptionHandler(HANDLER).start(task);
    }

    /** A platform thread for blocking reads on a process pipe. */
    public static Thread startReader(String name, Runnable task) {
        return Thread.ofPlatform().name(name).daemon(true).stackSize(256 * 1024)
                .uncaughtExceptionHandler(HANDLER).start(task);
    }
}
