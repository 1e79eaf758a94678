package dev.pooly.supervisor.internal;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The one thread that spawns every supervised process.
 *
 * <p>Linux delivers the parent-death signal set by {@code setpriv --pdeathsig} when the
 * <em>thread</em> that forked the child exits, not the process. A pooled or virtual thread may go
 * away at any time and take its children with it, so all spawns go through this single platform
 * thread that lives as long as the JVM. The loop catches everything: a spawn that fails must never
 * end (and so replace) this thread.
 *
 * <p>Thread-safe. Spawns are serialised, which also bounds fork pressure on small machines.
 */
final class Spawner {
    private static final BlockingQueue<Runnable> QUEUE = new LinkedBlockingQueue<>();
    private static final Thread THREAD = Thread.ofPlatform().name("pooly-spawner").daemon(true).start(Spawner::loop);

    private Spawner() {}

    static <T> CompletableFuture<T> submit(Callable<T> spawn) {
        CompletableFuture<T> result = new CompletableFuture<>();
        QUEUE.add(() -> {
            try {
                result.complete(spawn.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    static boolean isSpawnerThread() { return Thread.currentThread() == THREAD; }

    private static void loop() {
        while (true) {
            try {
                QUEUE.take().run();
            } catch (Throwable ignored) {
                // Interrupts included: this thread must outlive every child it spawned.
            }
        }
    }
}
