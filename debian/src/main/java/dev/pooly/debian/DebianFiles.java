package dev.pooly.debian;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Build step, not shipped: writes the files of the Debian package that are made rather than copied,
 * into {@code OUT}: {@code man1/*.1.gz} (the distribution module's man pages, compressed as Debian
 * wants them), {@code changelog.gz} (one entry for this version, as Debian requires of every package),
 * {@code pooly} (bin/pooly with an interpreter path, {@code #!/bin/bash}, instead of
 * {@code /usr/bin/env}) and {@code completion/pooly} (the completion script without its {@code #!} line). Run by this module's build:
 * {@code DebianFiles VERSION MAINTAINER REPOSITORY GENERATED_DOCS OUT}.
 *
 * <p>Compression is gzip at its best level with no name and no time in the header (as {@code gzip -9n}
 * writes it), so that the same inputs give the same bytes; the changelog's date is
 * {@code SOURCE_DATE_EPOCH} when set, else the launcher's modification time.
 *
 * <p>Thread-safety: a single-threaded program, run once per build; a failed run leaves partial
 * output that the next build overwrites.
 */
public final class DebianFiles {
    private static final DateTimeFormatter CHANGELOG_DATE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z", Locale.ROOT);

    private DebianFiles() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 5) throw new IllegalArgumentException("usage: DebianFiles VERSION MAINTAINER REPOSITORY GENERATED_DOCS OUT");
        String version = debianVersion(args[0]);
        String maintainer = args[1];
        Path repository = Path.of(args[2]);
        Path docs = Path.of(args[3]);
        Path out = Files.createDirectories(Path.of(args[4]));

        Path man = docs.resolve("man/man1");
        if (!Files.isDirectory(man)) throw new IllegalStateException("no man pages in " + man + ": build the distribution module first");
        Path manOut = Files.createDirectories(out.resolve("man1"));
        try (Stream<Path> pages = Files.list(man)) {
            for (Path page : pages.filter(p -> p.getFileName().toString().endsWith(".1")).sorted().toList()) {
                Files.write(manOut.resolve(page.getFileName() + ".gz"), gzip(Files.readAllBytes(page)));
            }
        }

        Path launcher = repository.resolve("bin/pooly");
        List<String> lines = Files.readAllLines(launcher, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.getFirst().equals("#!/usr/bin/env bash")) {
            throw new IllegalStateException(launcher + " no longer starts with #!/usr/bin/env bash; update DebianFiles");
        }
        Path script = out.resolve("pooly");
        Files.writeString(script, "#!/bin/bash\n" + String.join("\n", lines.subList(1, lines.size())) + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));

        // Sourced by bash-completion, never run: no #! line (lintian's bash-completion-with-hashbang).
        Path completion = docs.resolve("completion/pooly");
        List<String> completionLines = Files.readAllLines(completion, StandardCharsets.UTF_8);
        if (!completionLines.isEmpty() && completionLines.getFirst().startsWith("#!")) completionLines = completionLines.subList(1, completionLines.size());
        Files.writeString(Files.createDirectories(out.resolve("completion")).resolve("pooly"), String.join("\n", completionLines) + "\n",
                StandardCharsets.UTF_8);

        String epoch = System.getenv("SOURCE_DATE_EPOCH");
        Instant when = epoch != null && !epoch.isBlank() ? Instant.ofEpochSecond(Long.parseLong(epoch.strip()))
                : Files.getLastModifiedTime(launcher).toInstant();
        String changelog = """
                pooly (%s) unstable; urgency=medium

                  * Package built from the Pooly sources by Maven (the debian module);
                    the changes of each version are in the project's Git history.

                 -- %s  %s
                """.formatted(version, maintainer, CHANGELOG_DATE.format(when.atOffset(ZoneOffset.UTC)));
        Files.write(out.resolve("changelog.gz"), gzip(changelog.getBytes(StandardCharsets.UTF_8)));
    }

    /** Maven's {@code 0.1.0-SNAPSHOT} as jdeb writes it into the control file: {@code 0.1.0~SNAPSHOT} (sorts before 0.1.0). */
    static String debianVersion(String mavenVersion) {
        return mavenVersion.replace('-', '~');
    }

    /** RFC 1952 with no file name and MTIME 0, deflated at level 9 (XFL 2, OS 3 = Unix): what {@code gzip -9n} writes. */
    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 3 + 64);
        out.write(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 2, 3});
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
        try {
            deflater.setInput(data);
            deflater.finish();
            byte[] buffer = new byte[8192];
            while (!deflater.finished()) out.write(buffer, 0, deflater.deflate(buffer));
        } finally {
            deflater.end();
        }
        CRC32 crc = new CRC32();
        crc.update(data);
        writeLittleEndian(out, (int) crc.getValue());
        writeLittleEndian(out, data.length);
        return out.toByteArray();
    }

    private static void writeLittleEndian(OutputStream out, int value) throws IOException {
        for (int i = 0; i < 4; i++) out.write(value >>> (8 * i) & 0xff);
    }
}
