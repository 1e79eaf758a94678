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

    public WorkerChannel(OutputStream stdin, InputStream stdout) {
        this.stdin = stdin;
        this.stdout = stdout;
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
        return (lim - pos) + stdout.available();
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
