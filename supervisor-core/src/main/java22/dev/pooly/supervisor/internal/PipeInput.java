package dev.pooly.supervisor.internal;

import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The parent's end of a child's stdout on the posix_spawn path: a plain {@link FileInputStream}
 * (reopened through {@code /proc/self/fd}, see {@link PosixSpawnPath}) whose {@link #available()}
 * is one {@code ioctl(FIONREAD)} on the pipe's original descriptor, which this stream keeps open
 * while the child runs. The JDK's {@code available()} makes two system calls ({@code fstat}, then
 * the same ioctl), and a pool peeks at a worker's stdout on every checkout and every checkin.
 *
 * <p>Once the child has exited ({@link #retirePeek}) or the stream is closed, the second descriptor
 * is closed and {@code available()} is the JDK's again. Reads are the JDK's throughout.
 *
 * <p>Thread-safe as a {@link FileInputStream}; {@code available()} and {@link #retirePeek} may race
 * (a checkin's peek and the exit watch), and the lock keeps a peek off a descriptor number that was
 * closed and reused by another open meanwhile. A peek never blocks: the ioctl does not wait, and
 * nothing waits under the lock.
 */
final class PipeInput extends FileInputStream {
    /** FIONREAD in asm-generic's numbering, which x86-64, arm64 and riscv64 use; elsewhere the JDK's peek. */
    private static final long FIONREAD = 0x541B;
    /** ioctl(2), or null where FIONREAD's number is not known here or libc did not link it: then the JDK's peek. */
    private static final MethodHandle IOCTL = ioctl();

    /** Guards {@link #peekFd} and {@link #count}. */
    private final ReentrantLock lock = new ReentrantLock();
    private final MemorySegment count = Arena.ofAuto().allocate(JAVA_INT);
    /** The pipe's original read descriptor, or -1 once retired. */
    private int peekFd;

    /** Opens a stream on pipe read end {@code fd} and keeps {@code fd} for peeks (closed by {@link #retirePeek}). */
    PipeInput(int fd) throws FileNotFoundException {
        super("/proc/self/fd/" + fd);
        if (IOCTL == null) {
            PosixSpawnPath.closeAll(fd);
            fd = -1;
        }
        this.peekFd = fd;
    }

    private static MethodHandle ioctl() {
        if (!Set.of("amd64", "x86_64", "aarch64", "riscv64").contains(System.getProperty("os.arch"))) return null;
        try {
            return PosixSpawnPath.fn("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
        } catch (RuntimeException e) {
            return null; // a cheaper peek is not worth failing a spawn for
        }
    }

    @Override public int available() throws IOException {
        // A retire racing this peek: under the lock the descriptor is still ours, or already -1.
        lock.lock();
        try {
            if (peekFd >= 0 && (int) IOCTL.invokeExact(peekFd, FIONREAD, count) == 0) return count.get(JAVA_INT, 0);
        } catch (Throwable t) {
            // Not expected (the handle linked at class init); the JDK's peek below says what is wrong.
        } finally {
            lock.unlock();
        }
        return super.available();
    }

    /** Closes the peek descriptor (the child exited, or the stream closes); later peeks are the JDK's. Idempotent. */
    void retirePeek() {
        int fd;
        // Two retires (the exit and a close) must not both close the number: the second could be someone else's by then.
        lock.lock();
        try {
            fd = peekFd;
            peekFd = -1;
        } finally {
            lock.unlock();
        }
        if (fd >= 0) PosixSpawnPath.closeAll(fd);
    }

    @Override public void close() throws IOException {
        retirePeek();
        super.close();
    }
}
