package dev.pooly.pool.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The resident memory of a process and all its descendants (children that called {@code setsid()}
 * included: they keep their parent link), from {@code /proc/PID/statm}. 0 where there is no /proc.
 * Stateless; thread-safe.
 */
final class TreeMemory {
    private static final long PAGE = 4096;

    private TreeMemory() {}

    static long rss(long pid) {
        List<Long> pids = new ArrayList<>();
        pids.add(pid);
        ProcessHandle.of(pid).ifPresent(p -> p.descendants().forEach(d -> pids.add(d.pid())));
        long total = 0;
        for (long p : pids) total += rssOf(p);
        return total;
    }

    private static long rssOf(long pid) {
        try {
            String[] fields = Files.readString(Path.of("/proc", Long.toString(pid), "statm")).trim().split(" ");
            return Long.parseLong(fields[1]) * PAGE;
        } catch (IOException | RuntimeException e) {
            return 0; // gone meanwhile, or no /proc: nothing to count
        }
    }
}
