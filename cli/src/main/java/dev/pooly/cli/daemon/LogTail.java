package dev.pooly.cli.daemon;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code pooly logs}: the last lines of a child's log files and, with follow, what is appended after,
 * across rotations. A rotation is seen as the path naming another file: the old file (renamed to
 * {@code .1}, still open here) is read to its end first, then the new one from its start, so no line
 * written around a rotation is lost or repeated.
 *
 * <p>Used by one connection's thread; the files are polled (every 200 ms), never locked, and only read.
 */
final class LogTail {
    private static final long POLL_MS = 200;

    /** One file followed: the channel open on it, and the bytes of a line not yet ended. */
    private static final class Followed {
        final String stream;
        final Path path;
        FileChannel channel;
        Object key;
        final ByteArrayOutputStream partial = new ByteArrayOutputStream();

        Followed(String stream, Path path) {
            this.stream = stream;
            this.path = path;
        }
    }

    private LogTail() {}

    /**
     * Sends the last {@code lines} lines of each file ({@code stream} name -> path), then, with
     * {@code follow}, every line appended until {@code stop} is set or the client is gone.
     */
    static void run(List<String> streams, List<Path> files, int lines, boolean follow, ControlServer.JsonLines out,
                    AtomicBoolean stop) throws IOException {
        List<Followed> followed = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            Followed f = new Followed(streams.get(i), files.get(i));
            List<String> last;
            if (follow) {
                // The last lines and the follow start from one read of one open file: a line written
                // between reading the tail and opening at the end would otherwise be lost.
                open(f);
                last = f.channel == null ? List.of() : readToEnd(f, lines);
            } else {
                last = lastLines(f.path, lines);
            }
            for (String line : last) out.write(line(f.stream, line), false);
            followed.add(f);
        }
        out.flush();
        while (follow && !stop.get()) {
            boolean sent = false;
            for (Followed f : followed) sent |= poll(f, out);
            if (sent) out.flush();
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Followed f : followed) if (f.channel != null) f.channel.close();
    }

    private static ObjectNode line(String stream, String line) {
        return ControlServer.JSON.createObjectNode().put("stream", stream).put("line", line);
    }

    /** The last {@code n} lines of {@code file} (bounded by the log's max_bytes, so read whole). */
    static List<String> lastLines(Path file, int n) throws IOException {
        if (n <= 0) return List.of();
        try {
            return lastLines(new String(Files.readAllBytes(file), StandardCharsets.UTF_8), n);
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }

    /**
     * Reads {@code f}'s open file from where it is to its current end, and leaves it there: returns the
     * last {@code n} whole lines read; a line not ended yet stays in {@code f.partial} for the follow.
     */
    private static List<String> readToEnd(Followed f, int n) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(8192);
        while (f.channel.read(buf) > 0) {
            all.write(buf.array(), 0, buf.position());
            buf.clear();
        }
        byte[] bytes = all.toByteArray();
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') end--;
        f.partial.write(bytes, end, bytes.length - end);
        return n <= 0 ? List.of() : lastLines(new String(bytes, 0, end, StandardCharsets.UTF_8), n);
    }

    private static List<String> lastLines(String text, int n) {
        ArrayDeque<String> last = new ArrayDeque<>();
        for (String line : text.split("\n", -1)) {
            last.addLast(line);
            if (last.size() > n + 1) last.removeFirst();
        }
        if (!last.isEmpty() && last.peekLast().isEmpty()) last.removeLast(); // after the final line break
        while (last.size() > n) last.removeFirst();
        return List.copyOf(last);
    }

    /** Opens the file the path names now, at its start. */
    private static void open(Followed f) throws IOException {
        try {
            f.channel = FileChannel.open(f.path, StandardOpenOption.READ);
            f.key = Files.readAttributes(f.path, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            f.channel = null; // not written yet: the next poll tries again, from the start
            f.key = null;
        }
    }

    /** Reads what was appended; on a rotation, the rest of the old file and then the new one. */
    private static boolean poll(Followed f, ControlServer.JsonLines out) throws IOException {
        boolean sent = false;
        if (f.channel == null) {
            open(f);
            if (f.channel == null) return false;
        }
        sent |= drain(f, out);
        Object now;
        try {
            now = Files.readAttributes(f.path, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            return sent; // between the rename and the new file's creation
        }
        if (!now.equals(f.key)) {
            sent |= drain(f, out); // whatever reached the old file just before it was renamed
            f.channel.close();
            open(f);
            if (f.channel != null) sent |= drain(f, out);
        }
        return sent;
    }

    private static boolean drain(Followed f, ControlServer.JsonLines out) throws IOException {
        boolean sent = false;
        ByteBuffer buf = ByteBuffer.allocate(8192);
        while (f.channel.read(buf) > 0) {
            buf.flip();
            while (buf.hasRemaining()) {
                byte b = buf.get();
                if (b == '\n') {
                    out.write(line(f.stream, f.partial.toString(StandardCharsets.UTF_8)), false);
                    f.partial.reset();
                    sent = true;
                } else {
                    f.partial.write(b);
                }
            }
            buf.clear();
        }
        return sent;
    }
}
