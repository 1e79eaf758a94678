package dev.pooly.pool.internal.frames;

import dev.pooly.pool.FrameException;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The bytes of one frame as they arrive: grows by doubling (so a frame costs O(log n) allocations,
 * never one per byte), and never beyond the frame's limit. Not thread-safe.
 */
public final class FrameBuffer {
    /** At most this many bytes of a bad frame are shown. */
    public static final int SHOWN = 200;

    private byte[] bytes = new byte[64];
    private int size;

    public int size() { return size; }

    public byte get(int i) { return bytes[i]; }

    /** Appends {@code n} bytes from {@code in}'s position. */
    public void append(ByteBuffer in, int n) {
        ensure(size + n);
        in.get(bytes, size, n);
        size += n;
    }

    public void append(byte b) {
        ensure(size + 1);
        bytes[size++] = b;
    }

    private void ensure(int capacity) {
        if (capacity > bytes.length) {
            long grown = Math.max(capacity, Math.min(Integer.MAX_VALUE - 8L, bytes.length * 2L));
            bytes = Arrays.copyOf(bytes, (int) grown);
        }
    }

    public byte[] copy(int from, int to) {
        return Arrays.copyOfRange(bytes, from, to);
    }

    public String shown() {
        return escape(bytes, 0, size);
    }

    /** The first {@value #SHOWN} bytes of {@code b[off, off+len)}, escaped as a Java string literal's content, with "..." if cut. */
    public static String escape(byte[] b, int off, int len) {
        StringBuilder s = new StringBuilder();
        int n = Math.min(len, SHOWN);
        for (int i = off; i < off + n; i++) {
            int c = b[i] & 0xff;
            switch (c) {
                case '\n' -> s.append("\\n");
                case '\r' -> s.append("\\r");
                case '\t' -> s.append("\\t");
                case 0 -> s.append("\\0");
                case '\\' -> s.append("\\\\");
                case '"' -> s.append("\\\"");
                default -> {
                    if (c >= 0x20 && c < 0x7f) s.append((char) c);
                    else s.append(String.format("\\x%02x", c));
                }
            }
        }
        if (len > SHOWN) s.append("...");
        return s.toString();
    }

    /** A bad-frame error: what, at which byte of the frame, and the first bytes. */
    public FrameException error(String kind, String what, long at) {
        return new FrameException(kind + " frame: " + what + " at byte " + at + " of the frame; first bytes: \"" + shown() + "\"");
    }

    /** A refused request: what, and its first bytes. */
    public static FrameException refused(String kind, String what, byte[] payload) {
        return new FrameException("cannot frame the request as " + kind + ": " + what + "; first bytes: \"" + escape(payload, 0, payload.length) + "\"");
    }
}
