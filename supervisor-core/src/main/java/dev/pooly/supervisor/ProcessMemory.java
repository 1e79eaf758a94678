package dev.pooly.supervisor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The resident memory (RSS) of a process and all its descendants, children that called
 * {@code setsid()} included (they keep their parent link), read from {@code /proc/PID/statm}.
 * 0 where there is no {@code /proc}. Stateless; thread-safe; does I/O, so never call it under a lock.
 */
public final class ProcessMemory {
    /** statm counts pages; 4 KiB on the Linux platforms Pooly runs on. */
    private static final long PAGE = 4096;

    private ProcessMemory() {}

    /** Bytes resident for {@code pid} and its descendants now; a process that is gone counts 0. */
    public static long treeRss(long pid) {
        List<Long> pids = new ArrayList<>();
        pids.add(pid);
        ProcessHandle.of(pid).ifPresent(p -> p.descendants().forEach(d -> pids.add(d.pid())));
        long total = 0;
        for (long p : pids) total += rss(p);
        return total;
    }

    private static long rss(long pid) {
        try {
            String[] fields = Files.readString(Path.of("/proc", Long.toString(pid), "statm")).trim().split(" ");
            return Long.parseLong(fields[1]) * PAGE;
        } catch (IOException | RuntimeException e) {
            return 0; // gone meanwhile, or no /proc: nothing to count
        }
    }
}
