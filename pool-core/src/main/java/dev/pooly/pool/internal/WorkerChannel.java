package dev.pooly.pool.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A worker's stdin/stdout with a line reader whose read-ahead survives across leases: bytes read
 * past one response stay here for the next reader, and {@link #stdout()} delivers them first, so the
 * line helper and raw stream access can be mixed without losing bytes.
 *
 * <p>Not thread-safe: one reader and one writer at a time (stdin and stdout are independent), within one
 * lease at a time. The lease's in-progress count (a volatile) and the pool lock order the accesses of
 * successive holders and of the pool's quiet check.
 */
public final class WorkerChannel {
    private final OutputStream stdin;
    private final InputStream stdout;
    private final byte[] buf = new byte[8192];
    private int pos;
    private int lim;

    private final dev.pooly.pool.Framing framing;
    private final dev.pooly.pool.FrameCodec codec;

    public WorkerChannel(OutputStream stdin, InputStream stdout) {
        this(stdin, stdout, dev.pooly.pool.Framing.line());
    }

    public WorkerChannel(OutputStream stdin, InputStream stdout, dev.pooly.pool.Framing framing) {
        this.stdin = stdin;
        this.stdout = stdout;
        this.framing = framing;
        this.codec = framing.codec();
        this.filler = framing instanceof dev.pooly.pool.Framing.Json || framing instanceof dev.pooly.pool.Framing.Custom;
    }

    /** Whether the codec has filler bytes at all: the line pool's quiet check stays one peek. */
    private final boolean filler;

    /** The worker's framing, fixed for its life (a reload that changes it rolls the workers). */
    public dev.pooly.pool.Framing framing() { return framing; }

    public dev.pooly.pool.FrameCodec codec() { return codec; }

    /** Writes {@code payload}, already accepted by the codec's check, as one frame, and flushes. */
    public void writeFrame(byte[] payload) throws IOException {
        codec.encode(payload, stdin);
        stdin.flush();
    }

    /**
     * The next whole frame's payload, or null at end of stream between frames. Bytes past the frame
     * stay buffered here (for the next frame, or found as surplus by {@link #unread()}).
     *
     * @throws dev.pooly.pool.FrameException malformed, over max, or cut short by the end of stream
     */
    public byte[] readFrame() throws IOException {
        dev.pooly.pool.FrameDecoder decoder = codec.decoder();
        while (true) {
            if (pos < lim) {
                java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(buf, pos, lim - pos);
                byte[] frame;
                try {
                    frame = decoder.decode(in);
                } finally {
                    pos = in.position();
                }
                if (frame != null) return frame;
            }
            pos = lim = 0;
            java.nio.ByteBuffer direct = decoder.unfilled();
            if (direct != null && direct.remaining() >= buf.length) {
                // A large known-length payload: read straight into it (no copy, one syscall per pipe-full),
                // never past it, so nothing of the next frame is taken.
                int n = stdout.read(direct.array(), direct.arrayOffset() + direct.position(), direct.remaining());
                if (n > 0) {
                    byte[] frame = decoder.filled(n);
                    if (frame != null) return frame;
                    continue;
                }
            }
            int n = direct != null && direct.remaining() >= buf.length ? -1 : stdout.read(buf, 0, buf.length);
            if (n <= 0) {
                if (decoder.pending() == 0) return null;
                throw new dev.pooly.pool.FrameException(framing.kind() + " frame: cut short by the end of the worker's output after "
                        + decoder.pending() + " byte(s); first bytes: \"" + decoder.firstBytes() + "\"");
            }
            lim = n;
        }
    }

    public OutputStream stdin() { return stdin; }

    /**
     * Writes {@code line} and its newline in one {@code write}: the posix_spawn path's stdin is an
     * unbuffered pipe, and a separate write of the newline would let the worker read, and answer, the
     * line in two halves, which costs the reader a second wake-up per request.
     */
    public void writeLine(String line) throws IOException {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        int n = bytes.length;
        // A fresh array, not a shared buffer: two threads writing through one lease at once must not mix up each other's bytes.
        byte[] out = new byte[n + 1];
        System.arraycopy(bytes, 0, out, 0, n);
        out[n] = '\n';
        stdin.write(out, 0, n + 1);
        stdin.flush();
    }

    /** The next line without its terminator, or null at end of stream. */
    public String readLine() throws IOException {
        ByteArrayOutputStream longLine = null;
        while (true) {
            for (int i = pos; i < lim; i++) {
                if (buf[i] == '\n') {
                    int end = i > pos && buf[i - 1] == '\r' ? i - 1 : i;
                    String line;
                    if (longLine == null) {
                        line = new String(buf, pos, end - pos, StandardCharsets.UTF_8);
                    } else {
                        longLine.write(buf, pos, end - pos);
                        line = longLine.toString(StandardCharsets.UTF_8);
                    }
                    pos = i + 1;
                    return line;
                }
            }
            if (lim > pos) {
                if (longLine == null) longLine = new ByteArrayOutputStream();
                longLine.write(buf, pos, lim - pos);
            }
            pos = lim = 0;
            int n = stdout.read(buf, 0, buf.length);
            if (n <= 0) {
                return longLine == null ? null : longLine.toString(StandardCharsets.UTF_8);
            }
            lim = n;
        }
    }

    /**
     * How many bytes are unread: read ahead into this channel, plus what the pipe holds now. Never
     * blocks ({@link InputStream#available()} is a FIONREAD peek on a pipe).
     */
    public int unread() throws IOException {
        if (filler) skipFiller();
        return (lim - pos) + stdout.available();
    }

    /**
     * What is unread, escaped (the first bytes of the buffer), for an error; empty when none is buffered.
     * Never blocks.
     */
    public String unreadBytes() {
        return dev.pooly.pool.internal.frames.FrameBuffer.escape(buf, pos, lim - pos);
    }

    /** Drops filler (JSON's whitespace between values) that has arrived, without blocking. */
    private void skipFiller() throws IOException {
        while (true) {
            while (pos < lim && codec.isFiller(buf[pos])) pos++;
            if (pos < lim) return;
            int ready = stdout.available();
            if (ready <= 0) return;
            pos = 0;
            lim = Math.max(0, stdout.read(buf, 0, Math.min(ready, buf.length)));
        }
    }

    /** stdout, starting with whatever the line reader already buffered. */
    public InputStream stdout() {
        return new InputStream() {
            @Override public int read() throws IOException {
                if (pos < lim) return buf[pos++] & 0xff;
                return stdout.read();
            }

            @Override public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) return 0;
                if (pos < lim) {
                    int n = Math.min(len, lim - pos);
                    System.arraycopy(buf, pos, b, off, n);
                    pos += n;
                    return n;
                }
                return stdout.read(b, off, len);
            }

            @Override public int available() throws IOException {
                return (lim - pos) + stdout.available();
            }
        };
    }
}
