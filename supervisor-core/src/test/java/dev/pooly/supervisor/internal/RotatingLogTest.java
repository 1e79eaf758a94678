package dev.pooly.supervisor.internal;

import dev.pooly.supervisor.LogSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Rotation by size on line boundaries, with bursts written as a pipe delivers them: 8 KiB reads that cut lines anywhere. */
class RotatingLogTest {
    @TempDir Path dir;

    @Test
    void aBurstRotatesOnWholeLinesAndNoFileOvershootsMaxBytes() throws Exception {
        RotatingLog log = RotatingLog.open(new LogSpec(dir, 1000, 50), "burst.out.log");
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < 2000; i++) all.append("line ").append(i).append(" of the burst\n");
        byte[] bytes = all.toString().getBytes(StandardCharsets.US_ASCII);
        for (int off = 0; off < bytes.length; off += 8192) log.write(bytes, off, Math.min(8192, bytes.length - off));

        List<Path> files = new ArrayList<>();
        files.add(dir.resolve("burst.out.log"));
        for (int i = 1; Files.exists(dir.resolve("burst.out.log." + i)); i++) files.add(dir.resolve("burst.out.log." + i));
        assertThat(files).hasSizeGreaterThan(40); // about 44 KB in files of at most 1000 bytes
        for (Path f : files) {
            String text = Files.readString(f);
            assertThat(text.length()).as(f.toString()).isLessThanOrEqualTo(1000).isPositive();
            assertThat(text).as(f + " ends with a whole line").endsWith("\n");
            assertThat(text).as(f + " starts with a whole line").startsWith("line ");
        }
    }

    @Test
    void aLineLongerThanMaxBytesIsKeptWholeInAFileOfItsOwn() throws Exception {
        RotatingLog log = RotatingLog.open(new LogSpec(dir, 100, 3), "long.out.log");
        byte[] first = "short\n".getBytes(StandardCharsets.US_ASCII);
        byte[] longLine = ("x".repeat(250) + "\n").getBytes(StandardCharsets.US_ASCII);
        log.write(first, 0, first.length);
        log.write(longLine, 0, longLine.length);
        log.write(first, 0, first.length);

        assertThat(Files.readString(dir.resolve("long.out.log.2"))).isEqualTo("short\n");
        assertThat(Files.readString(dir.resolve("long.out.log.1"))).isEqualTo("x".repeat(250) + "\n");
        assertThat(Files.readString(dir.resolve("long.out.log"))).isEqualTo("short\n");
    }
}
