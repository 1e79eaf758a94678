package dev.pooly.cli.daemon;

import java.io.IOException;

/**
 * An open AF_UNIX datagram socket to systemd's {@code NOTIFY_SOCKET}: what {@link Systemd} sends its
 * sd_notify messages through. The JDK cannot send AF_UNIX datagrams (JDK-8297837), so the one
 * implementation, {@code FfmNotifySocket}, calls {@code socket(2)}/{@code sendto(2)} through the FFM
 * API; it is present only in {@code META-INF/versions/22} of the jar, and {@link #open} reports its
 * absence (Java 21) as an {@link IOException} saying so.
 *
 * <p>Thread-safe: each {@link #send} is one datagram, which the kernel delivers whole or not at all.
 */
interface NotifySocket extends AutoCloseable {
    /** Sends {@code message} (newline-separated {@code KEY=VALUE} assignments) as one datagram. */
    void send(String message) throws IOException;

    /** {@code CLOCK_MONOTONIC} in microseconds, the clock systemd reads {@code MONOTONIC_USEC=} against. */
    long monotonicMicros();

    @Override void close();

    /**
     * Opens a socket that sends to {@code address}: an absolute path, or {@code @name} for an address
     * in the abstract namespace (as systemd writes it in {@code NOTIFY_SOCKET}).
     */
    static NotifySocket open(String address) throws IOException {
        Class<?> ffm;
        try {
            ffm = Class.forName(NotifySocket.class.getPackageName() + ".FfmNotifySocket");
        } catch (ClassNotFoundException e) {
            throw new IOException("sending to it needs Java 22 or later (FFM); this is Java " + Runtime.version().feature());
        }
        try {
            return (NotifySocket) ffm.getDeclaredMethod("open", String.class).invoke(null, address);
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof IOException io) throw io;
            throw new IOException(e.getCause().toString(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IOException(e.toString(), e);
        }
    }
}
