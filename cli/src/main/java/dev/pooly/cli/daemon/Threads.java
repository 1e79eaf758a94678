package dev.pooly.cli.daemon;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's threads: named, daemon, and with an uncaught-exception handler that logs instead of
 * vanishing. Virtual threads for connections; small-stack platform threads for blocking reads of a
 * worker's pipe, which would otherwise pin a virtual thread's carrier. (The cores keep their own
 * factory in their internal packages; the daemon does not reach into them.)
 *
 * <p>Thread-safe. Every thread is a daemon thread: it dies with the JVM and needs no shutdown.
 */
final class Threads {
    private static final Logger LOG = LoggerFactory.getLogger("pooly.threads");
    private static final Thread.UncaughtExceptionHandler HANDLER =
            (t, e) -> LOG.error("uncaught exception in thread {}", t.getName(), e);

    private Threads() {}

    static Thread startVirtual(String name, Runnable task) {
        return Thread.ofVirtual().name(name).uncaughtExceptionHandler(HANDLER).start(task);
    }

    /** A platform thread for blocking reads on a worker's stdout. */
    static Thread startReader(String name, Runnable task) {
        return Thread.ofPlatform().name(name).daemon(true).stackSize(256 * 1024).uncaughtExceptionHandler(HANDLER).start(task);
    }
}
