package dev.pooly.supervisor.internal;

import dev.pooly.supervisor.LogSpec;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A log file rotated by size: past {@code maxBytes} the file becomes {@code NAME.1}, {@code NAME.1}
 * becomes {@code NAME.2} and so on up to {@code backups}; the oldest is dropped.
 *
 * <p>One instance per path ({@link #open}), shared by every process writing to it (a pool's workers
 * share their template's file). Thread-safe: {@link #write} holds this file's own lock for one whole
 * chunk, so lines from different workers never interleave mid-line. This lock guards file I/O only and
 * is never taken while holding any supervisor or pool state.
 */
public final class RotatingLog {
    private static final ConcurrentHashMap<Path, RotatingLog> OPEN = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, RotatingLog> STDERR_LOGS = new ConcurrentHashMap<>();

    private final Path file;
    private final long maxBytes;
    private final int backups;
    private final ReentrantLock lock = new ReentrantLock();
    private OutputStream out;
    private long size;

    private RotatingLog(Path file, long maxBytes, int backups) {
        this.file = file;
        this.maxBytes = maxBytes;
        this.backups = backups;
        this.prefix = null;
        this.partial = null;
    }

    /** Serialises whole prefixed lines on this JVM's stderr, so lines of two children never interleave. */
    private static final ReentrantLock STDERR = new ReentrantLock();

    /** For {@code logs.to: stderr}: the prefix, and the bytes of a line not yet ended (guarded by {@link #lock}). */
    private final byte[] prefix;
    private final java.io.ByteArrayOutputStream partial;

    private RotatingLog(String id) {
        this.file = null;
        this.maxBytes = Long.MAX_VALUE;
        this.backups = 0;
        this.prefix = ("[" + id + "] ").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        this.partial = new java.io.ByteArrayOutputStream();
    }

    /** The shared log for {@code dir/name}, or null when the spec discards output. */
    public static RotatingLog open(LogSpec spec, String name) {
        if (spec.discards()) return null;
        if (spec.toStderr()) {
            // One instance per stream name, so a pool's workers share one partial-line buffer per stream.
            return STDERR_LOGS.computeIfAbsent(name, n -> new RotatingLog(n.replaceFirst("\\.(out|err)\\.log$", "")));
        }
        Path file = spec.dir().resolve(name).toAbsolutePath().normalize();
        return OPEN.computeIfAbsent(file, f -> new RotatingLog(f, spec.maxBytes(), spec.backups()));
    }

    public Path file() { return file; }

    /**
     * Appends {@code len} bytes; I/O errors are swallowed after one try to reopen (logging must not kill a child).
     *
     * <p>Rotation falls on a line boundary where it can: what fits up to the last line break within
     * {@code maxBytes} goes into the current file, the rest into the next, so a burst no longer overshoots
     * {@code maxBytes} by up to one read. A line longer than {@code maxBytes} is kept whole in a file of its
     * own; a line split across two reads by the child's pipe may still be split if it does not fit.
     */
    public void write(byte[] buf, int off, int len) {
        if (prefix != null) {
            writeToStderr(buf, off, len);
            return;
        }
        lock.lock();
        try {
            if (out == null) openFile();
            while (len > 0) {
                long room = maxBytes - size;
                if (len <= room) {
                    put(buf, off, len);
                    break;
                }
                int cut = room <= 0 ? 0 : afterLastNewline(buf, off, (int) Math.min(len, room));
                if (cut > 0) {
                    put(buf, off, cut);
                    off += cut;
                    len -= cut;
                    rotate();
                } else if (size > 0) {
                    rotate();
                } else {
                    // An empty file and no line break within maxBytes: one overlong line, kept whole.
                    int line = afterFirstNewline(buf, off, len);
                    int n = line > 0 ? line : len;
                    put(buf, off, n);
                    off += n;
                    len -= n;
                    if (len > 0) rotate();
                }
            }
            out.flush();
        } catch (IOException e) {
            closeQuietly();
        } finally {
            lock.unlock();
        }
    }

    /** {@code logs.to: stderr}: each whole line as {@code [id] line}; a line's start waits for its end. */
    private void writeToStderr(byte[] buf, int off, int len) {
        lock.lock();
        try {
            int start = off;
            for (int i = off; i < off + len; i++) {
                if (buf[i] != '\n') continue;
                partial.write(buf, start, i + 1 - start);
                byte[] line = partial.toByteArray();
                partial.reset();
                start = i + 1;
                // The global lock only around the one write: a line of another child never lands inside this one.
                STDERR.lock();
                try {
                    System.err.write(prefix);
                    System.err.write(line);
                    System.err.flush();
                } finally {
                    STDERR.unlock();
                }
            }
            partial.write(buf, start, off + len - start);
        } catch (IOException e) {
            // System.err does not throw; nothing to do.
        } finally {
            lock.unlock();
        }
    }

    private void put(byte[] buf, int off, int len) throws IOException {
        out.write(buf, off, len);
        size += len;
    }

    /** Bytes up to and including the last '\n' among the first {@code len}, or 0. */
    private static int afterLastNewline(byte[] buf, int off, int len) {
        for (int i = len - 1; i >= 0; i--) if (buf[off + i] == '\n') return i + 1;
        return 0;
    }

    private static int afterFirstNewline(byte[] buf, int off, int len) {
        for (int i = 0; i < len; i++) if (buf[off + i] == '\n') return i + 1;
        return 0;
    }

    private void openFile() throws IOException {
        Files.createDirectories(file.getParent());
        out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        size = Files.size(file);
    }

    private void rotate() throws IOException {
        closeQuietly();
        if (backups == 0) {
            Files.deleteIfExists(file);
        } else {
            Files.deleteIfExists(backup(backups));
            for (int i = backups - 1; i >= 1; i--) {
                if (Files.exists(backup(i))) Files.move(backup(i), backup(i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(file, backup(1), StandardCopyOption.REPLACE_EXISTING);
        }
        openFile();
    }

    private Path backup(int n) {
        return file.resolveSibling(file.getFileName() + "." + n);
    }

    private void closeQuietly() {
        if (out == null) return;
        try {
            out.close();
        } catch (IOException ignored) {
            // Nothing left to save; the next write reopens.
        }
        out = null;
    }
}
