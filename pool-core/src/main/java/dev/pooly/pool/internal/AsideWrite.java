package dev.pooly.pool.internal;

import java.io.IOException;

/**
 * One large request written on a thread of its own while the caller reads the answer. A worker that
 * streams its answer while it still reads ({@code cat}) stops reading its stdin once its stdout pipe
 * is full; a caller that wrote the whole request before reading would then wait on it forever. A
 * request of at most {@link #THRESHOLD} bytes fits in an empty pipe (Linux: 64 KiB) and is written
 * inline.
 *
 * <p>Threads: the writer is a small-stack platform daemon thread (a blocking pipe write would pin a
 * virtual thread's carrier), named for the worker, started per large request (its cost is small next
 * to the request's). {@link #await} is called by the caller only after it read the whole answer, while
 * the request's deadline still holds, so a worker that never reads the rest is killed by the pool and
 * the write ends with a broken pipe. On any failure the caller does not wait: the worker is being
 * replaced, and the write ends with it, never reaching another holder. The writer's outcome is
 * published by {@link Thread#join()}.
 */
final class AsideWrite {
    /** Requests larger than this are written aside: well under a pipe's capacity. */
    static final int THRESHOLD = 16 * 1024;

    /** A pipe write. */
    interface Write {
        void run() throws IOException;
    }

    private final Thread thread;
    private IOException failure; // written by the writer before it ends; read after join()

    private AsideWrite(String name, Write write) {
        this.thread = Thread.ofPlatform().name(name).daemon(true).stackSize(256 * 1024).unstarted(() -> {
            try {
                write.run();
            } catch (IOException e) {
                failure = e;
            }
        });
        thread.start();
    }

    /** Runs {@code write} inline when {@code bytes} is small, else starts it aside; null when it ran inline. */
    static AsideWrite write(int bytes, long pid, Write write) throws IOException {
        if (bytes <= THRESHOLD) {
            write.run();
            return null;
        }
        return new AsideWrite("pooly-request-writer-" + pid, write);
    }

    /**
     * Waits for the write to end, uninterruptibly (as a pipe write would: an interrupt is kept for the
     * caller), and rethrows its failure.
     */
    static void await(AsideWrite aside) throws IOException {
        if (aside == null) return;
        boolean interrupted = false;
        while (true) {
            try {
                aside.thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (aside.failure != null) throw aside.failure;
    }
}
