package dev.pooly.testcontainers.internal;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.testcontainers.images.builder.Transferable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The files of a {@code FROM scratch} image, written into the Docker build context as one subtree
 * that the Dockerfile {@code COPY}s to {@code /}. Unlike Testcontainers' own file transferables it
 * keeps symbolic links ({@code /bin -> usr/bin}, the runtime's own links) and file modes
 * ({@code /tmp} is 1777). Paths are relative to the image's root. Immutable.
 */
public record RootFilesystem(List<Entry> entries) implements Transferable {

    public RootFilesystem {
        entries = List.copyOf(entries);
    }

    /** One thing in the image. */
    public sealed interface Entry {
        String path();
    }

    public record Directory(String path, int mode) implements Entry {}

    /** A host file's content (links followed) at {@code path}. */
    public record HostFile(String path, Path source, int mode) implements Entry {}

    public record Content(String path, byte[] bytes, int mode) implements Entry {}

    public record Symlink(String path, String target) implements Entry {}

    /** A host directory copied as it is: its links stay links, its modes stay. */
    public record HostTree(String path, Path source) implements Entry {}

    /**
     * Adds this machine's programs {@code names} at {@code usr/bin/NAME}, then the shared libraries
     * they load and {@code moreLibraries}, each at its image path ({@link HostCommands#imagePath})
     * after those of its parent directories not yet in {@code directories} (which gains them).
     */
    public static void addPrograms(List<Entry> entries, Set<String> directories, Iterable<String> names, Set<Path> moreLibraries) {
        Set<Path> libraries = new LinkedHashSet<>();
        for (String name : names) {
            Path binary = HostCommands.find(name);
            entries.add(new HostFile("usr/bin/" + name, binary, 0755));
            libraries.addAll(HostCommands.libraries(binary));
        }
        libraries.addAll(moreLibraries);
        for (Path library : libraries) {
            String imagePath = HostCommands.imagePath(library);
            addParents(imagePath, entries, directories);
            entries.add(new HostFile(imagePath, library, 0755));
        }
    }

    /** Adds the parent directories of {@code imagePath} that are not in {@code seen} yet, outermost first. */
    public static void addParents(String imagePath, List<Entry> entries, Set<String> seen) {
        int slash = imagePath.lastIndexOf('/');
        if (slash <= 0) return;
        String parent = imagePath.substring(0, slash);
        if (!seen.add(parent)) return;
        addParents(parent, entries, seen);
        entries.add(new Directory(parent, 0755));
    }

    @Override public long getSize() {
        long size = 0;
        for (Entry entry : entries) {
            size += switch (entry) {
                case HostFile f -> sizeOf(f.source());
                case Content c -> c.bytes().length;
                case HostTree t -> treeSize(t.source());
                case Directory d -> 0;
                case Symlink s -> 0;
            };
        }
        return size;
    }

    @Override public String getDescription() {
        return "root filesystem of " + entries.size() + " entries";
    }

    @Override public void transferTo(TarArchiveOutputStream tar, String destination) {
        try {
            for (Entry entry : entries) {
                String name = destination + "/" + entry.path();
                switch (entry) {
                    case Directory d -> directory(tar, name, d.mode());
                    case HostFile f -> file(tar, name, f.source(), f.mode());
                    case Content c -> content(tar, name, c.bytes(), c.mode());
                    case Symlink s -> symlink(tar, name, s.target());
                    case HostTree t -> tree(tar, name, t.source());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the image's files into the build context", e);
        }
    }

    private static void tree(TarArchiveOutputStream tar, String name, Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) { // does not follow links: they are written as links
            for (Path p : (Iterable<Path>) walk::iterator) {
                String entryName = p.equals(root) ? name : name + "/" + root.relativize(p).toString().replace('\\', '/');
                if (Files.isSymbolicLink(p)) {
                    symlink(tar, entryName, Files.readSymbolicLink(p).toString());
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    directory(tar, entryName, mode(p));
                } else {
                    file(tar, entryName, p, mode(p));
                }
            }
        }
    }

    private static void directory(TarArchiveOutputStream tar, String name, int mode) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name + "/");
        entry.setMode(TarArchiveEntry.DEFAULT_DIR_MODE & ~07777 | mode);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
    }

    private static void file(TarArchiveOutputStream tar, String name, Path source, int mode) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(Files.size(source));
        entry.setMode(TarArchiveEntry.DEFAULT_FILE_MODE & ~07777 | mode);
        tar.putArchiveEntry(entry);
        Files.copy(source, tar);
        tar.closeArchiveEntry();
    }

    private static void content(TarArchiveOutputStream tar, String name, byte[] bytes, int mode) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(bytes.length);
        entry.setMode(TarArchiveEntry.DEFAULT_FILE_MODE & ~07777 | mode);
        tar.putArchiveEntry(entry);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    private static void symlink(TarArchiveOutputStream tar, String name, String target) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
        entry.setLinkName(target);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
    }

    private static int mode(Path p) throws IOException {
        return ((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS)) & 07777;
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    private static long treeSize(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).mapToLong(RootFilesystem::sizeOf).sum();
        } catch (IOException e) {
            return 0;
        }
    }
}
