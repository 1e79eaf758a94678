package dev.pooly.supervisor.internal;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The few platform threads ({@link #THREADS}, {@code -Dpooly.spawners}) that spawn every process on
 * the ProcessBuilder path and place it in its cgroup.
 *
 * <p>On that path, Linux delivers the parent-death signal set by {@code setpriv --pdeathsig} when the
 * <em>thread</em> that forked the child exits, not the process. A pooled or virtual thread may go away
 * at any time and take its children with it, so those spawns go through these threads, which live as
 * long as the JVM. The posix_spawn path sets no death signal and spawns on the caller's thread
 * instead (see {@link Launcher}). The loop catches everything: a spawn that fails must never end (and
 * so replace) one of these threads.
 *
 * <p>Thread-safe. At most {@link #THREADS} spawns run at once, which bounds fork pressure.
 */
final class Spawner {
    private static final BlockingQueue<Runnable> QUEUE = new LinkedBlockingQueue<>();
    static final int THREADS = Integer.getInteger("pooly.spawners", Math.max(4, Runtime.getRuntime().availableProcessors()));
    private static final java.util.List<Thread> SPAWNERS = java.util.stream.IntStream.range(0, THREADS)
            .mapToObj(i -> Thread.ofPlatform().name("pooly-spawner-" + i).daemon(true).start(Spawner::loop))
            .toList();

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
