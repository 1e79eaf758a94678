package dev.pooly.cli.daemon;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@link NotifySocket} on Linux through the FFM API (final in Java 22): one
 * {@code socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC)}, kept open, and one {@code sendto(2)} per
 * message, as {@code sd_notify(3)} does (it opens a socket per call; one is enough, and a worker never
 * inherits it). The address is a {@code sockaddr_un}: {@code @name} becomes the abstract name (a
 * leading NUL and no terminating one, its length given exactly), a path is NUL-terminated.
 *
 * <p>Loaded by name from {@link NotifySocket#open}; present only in {@code META-INF/versions/22}.
 * Thread-safe: the handles are immutable, the address segment is read-only after {@link #open}, and
 * each send uses its own confined arena.
 */
final class FfmNotifySocket implements NotifySocket {
    private static final short AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2, SOCK_CLOEXEC = 0x80000;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int CLOCK_MONOTONIC = 1;
    /** {@code sizeof(sockaddr_un)}: a 2-byte family, then 108 bytes of path. */
    private static final int SUN_PATH = 108;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout ERRNO_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = ERRNO_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SOCKET = fn("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), true);
    private static final MethodHandle SENDTO = fn("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), true);
    private static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), false);
    private static final MethodHandle CLOCK_GETTIME = fn("clock_gettime", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), false);
    private static final MethodHandle STRERROR = fn("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT), false);

    private final int fd;
    private final MemorySegment address;
    private final int addressLength;
    private final String name;

    private FfmNotifySocket(int fd, MemorySegment address, int addressLength, String name) {
        this.fd = fd;
        this.address = address;
        this.addressLength = addressLength;
        this.name = name;
    }

    static FfmNotifySocket open(String name) throws IOException {
        byte[] path = name.getBytes(StandardCharsets.UTF_8);
        boolean abstractName = name.startsWith("@");
        // An abstract name has no terminating NUL, a path needs one: both must fit in sun_path.
        if (path.length + (abstractName ? 0 : 1) > SUN_PATH) {
            throw new IOException("the address is " + path.length + " bytes long; an AF_UNIX address holds at most " + (SUN_PATH - 1));
        }
        MemorySegment address = Arena.ofAuto().allocate(2 + SUN_PATH, 2);
        address.set(JAVA_SHORT, 0, AF_UNIX);
        MemorySegment.copy(path, 0, address, JAVA_BYTE, 2, path.length);
        if (abstractName) address.set(JAVA_BYTE, 2, (byte) 0);
        int length = 2 + path.length + (abstractName ? 0 : 1);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(ERRNO_STATE);
            int fd = (int) SOCKET.invokeExact(errno, (int) AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) throw new IOException("socket(AF_UNIX, SOCK_DGRAM): " + error(errno));
            return new FfmNotifySocket(fd, address, length, name);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t.toString(), t);
        }
    }

    @Override public void send(String message) throws IOException {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, buffer, JAVA_BYTE, 0, bytes.length);
            MemorySegment errno = arena.allocate(ERRNO_STATE);
            long sent = (long) SENDTO.invokeExact(errno, fd, buffer, (long) bytes.length, MSG_NOSIGNAL, address, addressLength);
            if (sent < 0) throw new IOException("sendto " + name + ": " + error(errno));
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t.toString(), t);
        }
    }

    @Override public long monotonicMicros() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment timespec = arena.allocate(16, 8);
            int rc = (int) CLOCK_GETTIME.invokeExact(CLOCK_MONOTONIC, timespec);
            if (rc != 0) throw new IllegalStateException("clock_gettime(CLOCK_MONOTONIC) failed");
            return timespec.get(JAVA_LONG, 0) * 1_000_000L + timespec.get(JAVA_LONG, 8) / 1_000L;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override public void close() {
        try {
            int rc = (int) CLOSE.invokeExact(fd);
        } catch (Throwable ignored) {
            // Closing at exit: nothing left to tell systemd, nothing to do about it.
        }
    }

    private static String error(MemorySegment errnoState) {
        int errno = (int) ERRNO.get(errnoState, 0L);
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(256).getString(0) + " (errno " + errno + ")";
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    private static MethodHandle fn(String name, FunctionDescriptor descriptor, boolean errno) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new UnsupportedOperationException("no " + name + " in libc"));
        return errno ? LINKER.downcallHandle(symbol, descriptor, Linker.Option.captureCallState("errno"))
                : LINKER.downcallHandle(symbol, descriptor);
    }
}
