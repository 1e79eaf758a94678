package dev.pooly.pool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Liveness of OS processes as the pool tests need it.
 *
 * <p>A zombie counts as dead: pid 1 reaps orphans (the grandchildren of {@code sh -c} workers) only
 * every couple of seconds here, and {@link ProcessHandle#isAlive()} reports a zombie as alive.
 */
final class Pids {
    private Pids() {}

    static boolean alive(long pid) {
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

    static Set<Long> alive(Collection<Long> pids) {
        return pids.stream().filter(Pids::alive).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Waits (a few seconds at most) until none of {@code pids} runs; fails naming the survivors. */
    static void awaitDead(Collection<Long> pids) {
        await("processes " + pids + " to die").atMost(Duration.ofSeconds(5)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(20))
                .untilAsserted(() -> {
                    Set<Long> survivors = alive(pids);
                    assertThat(survivors).as("still running: %s", describe(survivors)).isEmpty();
                });
    }

    /** pid, parent, state and command line of each process, for failure messages. */
    static String describe(Collection<Long> pids) {
        StringBuilder out = new StringBuilder();
        for (long pid : pids) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                String cmdline = commandLine(pid);
                out.append(String.format("[pid %d ppid %s pgrp %s state %s: %s] ", pid, rest[1], rest[2], rest[0], cmdline));
            } catch (IOException | RuntimeException gone) {
                out.append("[pid ").append(pid).append(" gone] ");
            }
        }
        return out.toString().trim();
    }

    static void awaitDead(long pid) {
        awaitDead(Set.of(pid));
    }

    /** The running descendants of this JVM, grandchildren included. */
    static Set<Long> ofThisJvm() {
        return ProcessHandle.current().descendants().map(ProcessHandle::pid).filter(Pids::alive)
                .collect(Collectors.toSet());
    }

    /** The command line of a running process, its arguments joined by spaces; empty once it is gone. */
    static String commandLine(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return new String(raw, java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ').trim();
        } catch (IOException | RuntimeException gone) {
            return "";
        }
    }

    /**
     * Running descendants of this JVM that were not in {@code before} and run {@code command} or
     * descend from a process that does: what a pool of that command started. Matching on the
     * command leaves out the JVM-wide helpers supervisor-core starts once (its orphan guardian).
     */
    static Set<Long> startedSince(Set<Long> before, java.util.List<String> command) {
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
    static void sigkill(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
}
