package dev.pooly.supervisor.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * One thread reads the stderr of every process the {@link PosixSpawnPath} started: {@code poll(2)}
 * over all their pipes, then one {@code read(2)} per ready pipe, handed to that process's sink (its
 * stderr tail and rotating log). A thousand workers cost one thread here, not a thousand.
 *
 * <p>Threading: {@link #register} may be called from any thread; it queues the descriptor and wakes
 * the poller through a pipe of its own. Everything else runs on the poller thread alone, which owns
 * the descriptors it reads and closes each at EOF. A sink that blocks (a slow log disk) delays every
 * process's stderr, never a process itself beyond its pipe buffer (64 KiB).
 */
final class StderrMux {
    private static final short POLLIN = 0x1;
    private static final int CHUNK = 8192;
    private static final MethodHandle POLL = PosixSpawnPath.fn("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle READ = PosixSpawnPath.fn("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = PosixSpawnPath.fn("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle PIPE2 = PosixSpawnPath.fn("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));

    private record Entry(int fd, Spawned.Sink sink) {}

    private final ConcurrentLinkedQueue<Entry> added = new ConcurrentLinkedQueue<>();
    private final int wakeRead;
    private final int wakeWrite;
    private final MemorySegment one = Arena.global().allocate(1);

    StderrMux() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            if ((int) PIPE2.invokeExact(fds, 0x80000 | 0x800) != 0) throw new IllegalStateException("pipe2 failed"); // O_CLOEXEC | O_NONBLOCK
            wakeRead = fds.getAtIndex(JAVA_INT, 0);
            wakeWrite = fds.getAtIndex(JAVA_INT, 1);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        Thread.ofPlatform().name("pooly-stderr").daemon(true).stackSize(256 * 1024).start(this::loop);
    }

    /** Reads {@code fd} into {@code sink} until EOF, then closes it and calls {@link Spawned.Sink#ended()}. */
    void register(int fd, Spawned.Sink sink) {
        added.add(new Entry(fd, sink));
        try {
            // A full wake pipe (O_NONBLOCK, EAGAIN) already holds a wake-up: nothing is lost.
            long ignored = (long) WRITE.invokeExact(wakeWrite, one, 1L);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private void loop() {
        List<Entry> open = new ArrayList<>();
        Arena arena = Arena.ofShared();
        MemorySegment buf = Arena.global().allocate(CHUNK);
        byte[] chunk = new byte[CHUNK];
        MemorySegment fds = MemorySegment.NULL;
        int capacity = 0;
        while (true) {
            try {
                Entry e;
                while ((e = added.poll()) != null) open.add(e);
                int n = open.size() + 1;
                if (n > capacity) {
                    arena.close();
                    arena = Arena.ofShared();
                    capacity = Math.max(64, n * 2);
                    fds = arena.allocate(8L * capacity, 8);
                }
                // struct pollfd { int fd; short events; short revents; }
                fds.set(JAVA_INT, 0, wakeRead);
                fds.set(JAVA_SHORT, 4, POLLIN);
                fds.set(JAVA_SHORT, 6, (short) 0);
                for (int i = 0; i < open.size(); i++) {
                    fds.set(JAVA_INT, 8L * (i + 1), open.get(i).fd());
                    fds.set(JAVA_SHORT, 8L * (i + 1) + 4, POLLIN);
                    fds.set(JAVA_SHORT, 8L * (i + 1) + 6, (short) 0);
                }
                int ready = (int) POLL.invokeExact(fds, (long) n, -1);
                if (ready <= 0) continue; // EINTR
                if (fds.get(JAVA_SHORT, 6) != 0) {
                    while ((long) READ.invokeExact(wakeRead, buf, (long) CHUNK) > 0) {
                        // drained
                    }
                }
                List<Entry> still = new ArrayList<>(open.size());
                for (int i = 0; i < open.size(); i++) {
                    Entry entry = open.get(i);
                    if (fds.get(JAVA_SHORT, 8L * (i + 1) + 6) == 0) {
                        still.add(entry);
                        continue;
                    }
                    long got = (long) READ.invokeExact(entry.fd(), buf, (long) CHUNK);
                    if (got > 0) {
                        MemorySegment.copy(buf, JAVA_BYTE, 0, chunk, 0, (int) got);
                        deliver(entry, chunk, (int) got);
                        still.add(entry);
                    } else {
                        // EOF (or an error, which on a pipe means the same for us): the writer is gone.
                        PosixSpawnPath.closeAll(entry.fd());
                        ended(entry);
                    }
                }
                open = still;
            } catch (Throwable t) {
                org.slf4j.LoggerFactory.getLogger(StderrMux.class).error("stderr reader failed; continuing", t);
            }
        }
    }

    private static void deliver(Entry entry, byte[] chunk, int n) {
        try {
            entry.sink().write(chunk, 0, n);
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(StderrMux.class).warn("stderr sink failed", e);
        }
    }

    private static void ended(Entry entry) {
        try {
            entry.sink().ended();
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(StderrMux.class).warn("stderr sink failed", e);
        }
    }
}
