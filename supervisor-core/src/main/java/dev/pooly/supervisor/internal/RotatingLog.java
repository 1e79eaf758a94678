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
    }

    /** The shared log for {@code dir/name}, or null when the spec discards output. */
    public static RotatingLog open(LogSpec spec, String name) {
        if (spec.discards()) return null;
        Path file = spec.dir().resolve(name).toAbsolutePath().normalize();
        return OPEN.computeIfAbsent(file, f -> new RotatingLog(f, spec.maxBytes(), spec.backups()));
    }

    public Path file() { return file; }

    /** Appends {@code len} bytes; I/O errors are swallowed after one try to reopen (logging must not kill a child). */
    public void write(byte[] buf, int off, int len) {
        lock.lock();
        try {
            if (out == null) openFile();
            if (size > 0 && size + len > maxBytes) rotate();
            out.write(buf, off, len);
            out.flush();
            size += len;
        } catch (IOException e) {
            closeQuietly();
        } finally {
            lock.unlock();
        }
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
