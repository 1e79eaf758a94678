package dev.pooly.cli.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;

/**
 * A client's JSON lines on the control socket, each at most a stated number of bytes. A line that
 * passes its limit is refused as soon as the limit is passed ({@link TooLong}): the bytes after it are
 * never read, so a client that sends 20 MB without a newline costs the daemon the limit and no more.
 * After {@link TooLong} the connection is of no further use: the caller answers 64 and closes it.
 *
 * <p>The first line of a connection (the request) may be {@link #REQUEST_LIMIT}; the lines of a
 * {@code lines} lease session after it {@link #frameMessageLimit} of the pool's framing {@code max}
 * (contract section 5, default 16 MiB), so a frame over {@code max} is refused once the bytes of a
 * max frame have passed, not after 32 MiB; other lines (a bytes session's chunks, other requests)
 * {@link #MESSAGE_LIMIT}. A line ends at {@code \n}, a {@code \r} before it
 * is dropped, and the bytes are UTF-8 (malformed bytes become U+FFFD, as an {@code InputStreamReader}
 * makes them). A last line without {@code \n} before end of stream is still a line.
 *
 * <p>Not thread-safe: one reader thread per connection, which is how the control server and a lease
 * session use it ({@link #ready} is asked by that same thread).
 */
final class RequestLines {
    /** The first line of a connection: a request such as {@code {"op":"lease",...}} is well under 1 KiB. */
    static final int REQUEST_LIMIT = 1 << 20;
    /** Later lines of a lease session: a 16 MiB frame, JSON-escaped or base64, and the message around it. */
    static final int MESSAGE_LIMIT = 32 << 20;

    private final InputStream in;
    private final byte[] buffer = new byte[8192];
    private int pos;
    private int end;
    /**
     * The last part of a line read so far that did not fit in {@link #buffer}'s window: grown by
     * doubling up to {@link #CHUNK}, then handed to {@link #chunks} whole and replaced by a fresh chunk.
     */
    private byte[] line = new byte[256];
    /** The full chunks of a line longer than {@link #CHUNK}, in order: a long line is never copied to grow it. */
    private final ArrayList<byte[]> chunks = new ArrayList<>();
    /**
     * 64 KiB: past this a line is held in chunks, so a line refused at its limit has cost the limit and
     * at most one chunk, not the limit plus the half-size array a doubling buffer copies from.
     */
    static final int CHUNK = 64 * 1024;
    private int limit = REQUEST_LIMIT;
    /** What the limit is for, in {@link TooLong}'s message. */
    private String limitFor = "a request line";

    RequestLines(InputStream in) {
        this.in = in;
    }

    /** The limit for the lines {@link #readLine()} reads from now on, and what it is for (named when one passes it). */
    void limit(int bytes, String what) {
        this.limit = bytes;
        this.limitFor = what;
    }

    /**
     * The longest message line of a {@code lines} lease session on a pool whose frames are at most
     * {@code max} bytes: a frame of {@code max} bytes as base64 (4 bytes per 3) plus {@link #ENVELOPE}
     * for the message around it. Text in {@code {"frame":"..."}} or {@code {"line":"..."}} fits as long
     * as its JSON escapes add at most a third; a frame that needs more (mostly control characters)
     * goes as {@code frame_base64}. At most 1.43 GB (for the largest max, 1 GiB).
     */
    static int frameMessageLimit(long max) {
        return (int) Math.min(Integer.MAX_VALUE - 8, (max + 2) / 3 * 4 + ENVELOPE);
    }

    /** Room for a frame message's JSON around its payload. */
    static final int ENVELOPE = 4096;

    /** The next line without its end, or null at end of stream. {@link TooLong} once it passes the limit. */
    String readLine() throws IOException {
        int length = 0; // of the whole line so far
        int held = 0;   // of it in {@link #line}
        while (true) {
            if (pos == end && !fill()) {
                return length == 0 ? null : finish(held, length);
            }
            int newline = indexOf(buffer, pos, end);
            int stop = newline < 0 ? end : newline;
            int piece = stop - pos;
            if ((long) length + piece > limit) {
                pos = end; // what we hold of the line is dropped with it
                drop();
                throw new TooLong(limit, limitFor);
            }
            if (newline >= 0 && length == 0) {
                // The usual case: the whole line is in the buffer, no copy.
                String text = text(buffer, pos, piece);
                pos = newline + 1;
                return text;
            }
            while (piece > 0) {
                if (held == line.length) {
                    if (line.length < CHUNK) {
                        line = Arrays.copyOf(line, Math.min(CHUNK, Math.max(held + piece, line.length * 2)));
                    } else {
                        chunks.add(line);
                        line = new byte[CHUNK];
                        held = 0;
                    }
                }
                int n = Math.min(piece, line.length - held);
                System.arraycopy(buffer, pos, line, held, n);
                held += n;
                length += n;
                pos += n;
                piece -= n;
            }
            if (newline >= 0) {
                pos = newline + 1;
                return finish(held, length);
            }
        }
    }

    /** The line of {@code length} bytes held in {@link #chunks} and the first {@code held} of {@link #line}, as text. */
    private String finish(int held, int length) {
        if (chunks.isEmpty()) {
            String text = text(line, 0, held);
            if (line.length >= CHUNK) line = new byte[256]; // a long line's buffer is not kept for the connection's life
            return text;
        }
        byte[] whole = new byte[length];
        int at = 0;
        for (byte[] chunk : chunks) {
            System.arraycopy(chunk, 0, whole, at, chunk.length);
            at += chunk.length;
        }
        System.arraycopy(line, 0, whole, at, held);
        drop();
        return text(whole, 0, length);
    }

    /** Lets go of a long line's chunks. */
    private void drop() {
        chunks.clear();
        chunks.trimToSize();
        if (line.length >= CHUNK) line = new byte[256];
    }

    /** One byte, or -1 at end of stream (for a client that only has to be watched for leaving). */
    int read() throws IOException {
        if (pos == end && !fill()) return -1;
        return buffer[pos++] & 0xff;
    }

    /** Whether a byte can be read without blocking: more of the client's pipelined lines are here. */
    boolean ready() {
        if (pos < end) return true;
        try {
            return in.available() > 0;
        } catch (IOException e) {
            return false;
        }
    }

    private boolean fill() throws IOException {
        int n = in.read(buffer, 0, buffer.length);
        if (n <= 0) return false;
        pos = 0;
        end = n;
        return true;
    }

    private static int indexOf(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) if (bytes[i] == '\n') return i;
        return -1;
    }

    private static String text(byte[] bytes, int from, int length) {
        if (length > 0 && bytes[from + length - 1] == '\r') length--;
        return new String(bytes, from, length, StandardCharsets.UTF_8);
    }

    /** A line passed its limit; nothing after the limit was read. */
    static final class TooLong extends IOException {
        private final int limit;

        TooLong(int limit, String what) {
            super("line longer than " + describe(limit) + (limit % 1024 == 0 ? " (" + limit + " bytes)" : "") + ", the limit for " + what
                    + "; refused without reading the rest, and this connection is closed");
            this.limit = limit;
        }

        int limit() { return limit; }

        private static String describe(int bytes) {
            return bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB" : bytes % 1024 == 0 ? (bytes >> 10) + " KiB" : bytes + " bytes";
        }
    }
}
