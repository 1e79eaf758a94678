package dev.pooly.testing;

import dev.pooly.supervisor.internal.Guardian;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Liveness of OS processes as the tests of every module need it (shared through supervisor-core's
 * test jar).
 *
 * <p>A zombie counts as dead here: on these machines pid 1 reaps orphans only every couple of
 * seconds, and {@link ProcessHandle#isAlive()} reports a zombie as alive, so a killed grandchild
 * would look alive for up to two seconds although it has stopped running.
 */
public final class Pids {
    private Pids() {}

    public static boolean alive(long pid) {
        if (pid <= 0) return false;
        boolean handleAlive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        return handleAlive && !zombie(pid);
    }

    static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException | RuntimeException gone) {
            return false;
        }
    }

    public static Set<Long> alive(Collection<Long> pids) {
        return pids.stream().filter(Pids::alive).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Waits (a few seconds at most) until none of {@code pids} runs; fails naming the survivors. */
    public static void awaitDead(Collection<Long> pids) {
        await("processes " + pids + " to die").atMost(Duration.ofSeconds(5)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(20))
                .untilAsserted(() -> {
                    Set<Long> survivors = alive(pids);
                    assertThat(survivors).as("still running: %s", describe(survivors)).isEmpty();
                });
    }

    public static void awaitDead(long... pids) {
        awaitDead(Arrays.stream(pids).boxed().toList());
    }

    /** The process group of {@code pid}, or -1 once it is gone. */
    public static long processGroup(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
        } catch (IOException | RuntimeException gone) {
            return -1;
        }
    }

    /** pid, parent, group, state and command line of each process, for failure messages. */
    public static String describe(Collection<Long> pids) {
        StringBuilder out = new StringBuilder();
        for (long pid : pids) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                out.append(String.format("[pid %d ppid %s pgrp %s state %s: %s] ", pid, rest[1], rest[2], rest[0], commandLine(pid)));
            } catch (IOException | RuntimeException gone) {
                out.append("[pid ").append(pid).append(" gone] ");
            }
        }
        return out.toString().trim();
    }

    /** The command line of a running process, its arguments joined by spaces; empty once it is gone. */
    public static String commandLine(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').trim();
        } catch (IOException | RuntimeException gone) {
            return "";
        }
    }

    /** The running descendants of {@code pid}, deepest included. */
    public static List<Long> descendants(long pid) {
        return ProcessHandle.of(pid).stream().flatMap(ProcessHandle::descendants)
                .map(ProcessHandle::pid).filter(Pids::alive).toList();
    }

    /** Live descendants of this JVM, except the orphan guardian, which lives as long as the JVM by design. */
    public static Set<Long> ofThisJvm() {
        return ProcessHandle.current().descendants().filter(p -> !isGuardian(p)).map(ProcessHandle::pid)
                .filter(Pids::alive).collect(Collectors.toSet());
    }

    static boolean isGuardian(ProcessHandle p) {
        return p.info().arguments().map(args -> Arrays.asList(args).contains(Guardian.NAME)).orElse(false);
    }

    /**
     * Running descendants of this JVM that were not in {@code before} and run {@code command} or
     * descend from a process that does: what a pool of that command started.
     */
    public static Set<Long> startedSince(Set<Long> before, List<String> command) {
        String wanted = String.join(" ", command).trim();
        long self = ProcessHandle.current().pid();
        return ProcessHandle.current().descendants()
                .filter(h -> !before.contains(h.pid()) && alive(h.pid()))
                .filter(h -> {
                    for (Optional<ProcessHandle> p = Optional.of(h); p.isPresent() && p.get().pid() != self; p = p.get().parent()) {
                        if (commandLine(p.get().pid()).equals(wanted)) return true;
                    }
                    return false;
                })
                .map(ProcessHandle::pid).collect(Collectors.toCollection(TreeSet::new));
    }

    /** SIGKILL from outside, as a crash would. */
    public static void sigkill(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    public static void sigterm(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
    }
}
