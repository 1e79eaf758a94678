package dev.pooly.supervisor.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Stops a process together with everything it started.
 *
 * <p>With the {@link Guardian} (Linux), signals go to the whole process group in one kill(2) and
 * only "is the group empty yet?" reads /proc, batched across all stops. A descendant that made
 * itself a session leader (daemonized) has left the group and is not reached that way. Without the
 * guardian, the members are read from /proc and the descendants snapshot, and signalled one by one.
 *
 * <p>Every supervised process is started by {@code setsid}, so it leads its own process group and its
 * descendants are in that group unless they left it. Without the guardian a stop signals the union
 * of the group (read from /proc, which also finds members already re-parented to init) and the
 * descendants snapshot from {@link ProcessHandle#descendants()} (which finds those that left the
 * group). Both are racy snapshots, so the final SIGKILL pass re-reads them after the leader is gone.
 *
 * <p>Where cgroups are in force ({@link Containment}) the caller ends every stop and kill with
 * {@code cgroup.kill} of the process's cgroup; this class handles the process group and, without
 * cgroups, the descendants that left it.
 *
 * <p>Thread-safe. Its state is four concurrent collections shared by all stops and the batched
 * /proc scan: groups due for a sweep, "group gone" futures, leaders being stopped (whose exit must
 * not sweep the group they are draining) and the scan-scheduled flag. Blocking methods wait on
 * {@link CompletableFuture}s and are meant for virtual threads; an interrupt turns a graceful stop
 * into an immediate kill and keeps the flag set.
 */
public final class ProcessTree {
    private static final Path PROC = Path.of("/proc");
    private static final boolean HAS_PROC = Files.isDirectory(PROC.resolve("self"));

    private ProcessTree() {}

    /**
     * The leader, its group and its descendants that are alive now. The group is read only while
     * the leader's pid is still ours (alive, or a zombie not yet reaped): pids wrap quickly (32768 on
     * many machines), and a long-gone leader's number may lead a stranger's group by now. Leftovers of
     * a leader that exited are {@linkplain #sweepLater swept} right after its exit instead.
     */
    public static Set<ProcessHandle> members(ProcessHandle leader) {
        Set<ProcessHandle> all = new LinkedHashSet<>();
        if (running(leader)) all.add(leader);
        descendants(leader).filter(ProcessTree::running).forEach(all::add);
        if (leader.isAlive()) all.addAll(groupMembers(leader.pid()));
        return all;
    }

    /**
     * Whether {@code p} is alive and not a zombie. {@link ProcessHandle#isAlive()} counts zombies as
     * alive, and a killed grandchild stays a zombie until whoever adopted it (init, or a container's
     * pid 1 that reaps lazily) gets round to reaping it.
     */
    public static boolean running(ProcessHandle p) {
        if (p == null || !p.isAlive()) return false;
        if (!HAS_PROC) return true;
        try {
            String stat = Files.readString(PROC.resolve(Long.toString(p.pid())).resolve("stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** SIGKILL to the leader and its group (and, without the guardian, its descendants). Returns at once. */
    public static void kill(ProcessHandle leader) {
        killTree(leader);
    }

    /** {@link #kill}; true when the guardian signalled the whole group (no member left to chase). */
    private static boolean killTree(ProcessHandle leader) {
        if (Containment.mode() == Containment.Mode.SESSION_TRACKING && leader.isAlive()) {
            // Session tracking: descendants that left the group (setsid) are not reached by the group
            // kill; while the leader lives they are still its descendants, so find them now.
            descendants(leader).filter(p -> groupOf(p.pid()) != leader.pid()).forEach(ProcessHandle::destroyForcibly);
        }
        if (leader.isAlive() && Guardian.signalGroup(leader.pid(), true)) {
            leader.destroyForcibly(); // at once, not only when the guardian gets to its line
            return true;
        }
        for (ProcessHandle p : members(leader)) p.destroyForcibly();
        return false;
    }

    /**
     * SIGTERM to the tree, wait up to {@code timeout} (null: forever) for all of it to exit, then
     * SIGKILL whatever is left. Returns once the leader has exited.
     */
    public static void stop(ProcessHandle leader, Duration timeout) {
        stop(leader, timeout, true);
    }

    /**
     * As {@link #stop(ProcessHandle, Duration)}. With {@code thorough} false (pool workers: many,
     * and simple by nature), only the process group is stopped: no descendants snapshot, which costs
     * a scan of all of /proc per stop.
     */
    public static void stop(ProcessHandle leader, Duration timeout, boolean thorough) {
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        // While this stop lets the group drain gracefully, the leader's own exit must not sweep it.
        STOPPING.add(leader.pid());
        try {
            stopTree(leader, deadline, thorough);
        } finally {
            STOPPING.remove(leader.pid());
        }
    }

    private static void stopTree(ProcessHandle leader, long deadline, boolean thorough) {
        if (leader.isAlive()) {
            // Descendants that left the group (daemonized) are not reached by a group signal: find them first.
            List<ProcessHandle> outsiders = thorough ? descendants(leader)
                    .filter(p -> running(p) && groupOf(p.pid()) != leader.pid()).toList() : List.of();
            // Just spawned, the child may not have reached setsid() yet: a group signal would find no
            // group and be lost. Then the leader is the whole tree so far: signal it directly (once).
            boolean leads = groupOf(leader.pid()) == leader.pid();
            if (!leads) leader.destroy();
            if (!leads || Guardian.signalGroup(leader.pid(), false)) {
                for (ProcessHandle p : outsiders) p.destroy();
                stopGroup(leader, outsiders, deadline);
                return;
            }
        }
        Set<ProcessHandle> tree = members(leader);
        for (ProcessHandle p : tree) p.destroy();
        try {
            if (await(leader.onExit(), deadline)) awaitOthers(tree, leader, deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        tree.addAll(members(leader));
        for (ProcessHandle p : tree) if (running(p)) p.destroyForcibly();
        awaitExit(leader);
        // Members that were forking while we read the group: one more pass, now that the leader is gone.
        for (ProcessHandle p : groupMembers(leader.pid())) p.destroyForcibly();
        Guardian.forget(leader.pid());
    }

    /**
     * The stop with the guardian: SIGTERM went to the whole group in one kill(2); wait for the
     * leader, then for the rest of the group (batched /proc reads, see {@link #groupGone}), until the
     * deadline; then SIGKILL to the group. No per-process /proc scan, so a pool can stop a thousand
     * workers at once.
     */
    private static void stopGroup(ProcessHandle leader, List<ProcessHandle> outsiders, long deadline) {
        // No leader.destroy() here: the group signal reached it, and a second SIGTERM means
        // "stop faster" to some programs.
        try {
            if (await(leader.onExit(), deadline) && await(groupGone(leader.pid()), deadline)) {
                awaitOthers(new LinkedHashSet<>(outsiders), leader, deadline);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Guardian.signalGroup(leader.pid(), true);
        if (leader.isAlive()) leader.destroyForcibly();
        for (ProcessHandle p : outsiders) if (running(p)) p.destroyForcibly();
        awaitExit(leader);
        Guardian.forget(leader.pid());
    }

    /** SIGKILL to the tree and wait for the leader's exit. */
    public static void brutalKill(ProcessHandle leader) {
        boolean wholeGroup = killTree(leader);
        awaitExit(leader);
        // Without the guardian: members that were forking while we read the group, now the leader is gone.
        if (!wholeGroup) for (ProcessHandle p : groupMembers(leader.pid())) p.destroyForcibly();
        Guardian.forget(leader.pid());
    }

    /**
     * Kills, soon, what is left in the group of a leader that exited, then has the guardian forget
     * the group. Returns at once; done by the next {@linkplain #scanGroups batched scan}. A group a
     * stop is draining is left to that stop, which ends with its own SIGKILL.
     */
    public static void sweepLater(long leaderPid) {
        if (!HAS_PROC) return;
        TO_SWEEP.add(leaderPid);
        scheduleScan();
    }

    /**
     * Completes once no process is left in group {@code pgid}, as seen by a
     * {@linkplain #scanGroups batched scan}. Typed like {@code onExit()} so that {@link #await} serves both.
     */
    static CompletableFuture<ProcessHandle> groupGone(long pgid) {
        if (!HAS_PROC) return CompletableFuture.completedFuture(null);
        CompletableFuture<ProcessHandle> gone = GONE_WATCH.computeIfAbsent(pgid, g -> new CompletableFuture<>());
        scheduleScan();
        return gone;
    }

    private static final Duration SCAN_DELAY = Duration.ofMillis(20);
    private static final java.util.concurrent.ConcurrentLinkedQueue<Long> TO_SWEEP = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private static final java.util.concurrent.ConcurrentHashMap<Long, CompletableFuture<ProcessHandle>> GONE_WATCH = new java.util.concurrent.ConcurrentHashMap<>();
    private static final Set<Long> STOPPING = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final java.util.concurrent.atomic.AtomicBoolean SCAN_SCHEDULED = new java.util.concurrent.atomic.AtomicBoolean();

    private static void scheduleScan() {
        if (SCAN_SCHEDULED.compareAndSet(false, true)) {
            Timers.after(SCAN_DELAY, () -> Threads.startVirtual("pooly-group-scan", ProcessTree::scanGroups));
        }
    }

    /**
     * One read of /proc, at most every 20 ms, serves every group due: sweeps and "is it empty yet?"
     * waits alike. Reading process groups costs a scan of every process, so a burst of exits or a pool
     * stopping a thousand workers costs a few scans, not one each.
     */
    private static void scanGroups() {
        SCAN_SCHEDULED.set(false);
        Set<Long> sweep = new java.util.HashSet<>();
        Long pgid;
        while ((pgid = TO_SWEEP.poll()) != null) sweep.add(pgid);
        sweep.removeAll(STOPPING);
        Set<Long> waited = new java.util.HashSet<>(GONE_WATCH.keySet());
        if (sweep.isEmpty() && waited.isEmpty()) return;
        Set<Long> wanted = new java.util.HashSet<>(sweep);
        wanted.addAll(waited);
        java.util.Map<Long, List<ProcessHandle>> members = membersByGroup(wanted);
        for (long group : sweep) {
            for (ProcessHandle p : members.getOrDefault(group, List.of())) p.destroyForcibly();
            Guardian.forget(group);
        }
        for (long group : waited) {
            if (!members.containsKey(group)) {
                CompletableFuture<ProcessHandle> gone = GONE_WATCH.remove(group);
                if (gone != null) gone.complete(null);
            }
        }
        // Futures nobody waits for any more (their stop hit its deadline) are dropped with their group.
        GONE_WATCH.entrySet().removeIf(e -> e.getValue().isDone());
        if (!GONE_WATCH.isEmpty() || !TO_SWEEP.isEmpty()) scheduleScan();
    }

    /**
     * Waits for the leader's descendants. They are not our children, so no exit notification exists
     * for them (the JDK polls too); poll /proc with a short back-off until the deadline.
     */
    private static void awaitOthers(Set<ProcessHandle> tree, ProcessHandle leader, long deadline) throws InterruptedException {
        long pause = 1;
        for (ProcessHandle p : tree) {
            if (p.equals(leader)) continue;
            while (running(p)) {
                if (System.nanoTime() - deadline >= 0) return;
                Thread.sleep(pause);
                pause = Math.min(pause * 2, 20);
            }
        }
    }

    private static void awaitExit(ProcessHandle leader) {
        boolean interrupted = false;
        while (true) {
            try {
                leader.onExit().get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException e) {
                break;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private static boolean await(CompletableFuture<ProcessHandle> exit, long deadline) throws InterruptedException {
        try {
            if (deadline == Long.MAX_VALUE) exit.get();
            else exit.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true;
        }
    }

    /**
     * The descendants of {@code leader}, read from /proc/PID/task/TID/children (a few small reads per
     * process of the tree) instead of {@link ProcessHandle#descendants()}, which reads all of /proc: a
     * pool stopping a thousand workers under session tracking would otherwise scan /proc a thousand
     * times. Falls back to the JDK where those files do not exist.
     */
    static java.util.stream.Stream<ProcessHandle> descendants(ProcessHandle leader) {
        if (!HAS_CHILDREN_FILES) return leader.descendants();
        List<ProcessHandle> out = new java.util.ArrayList<>();
        java.util.ArrayDeque<Long> todo = new java.util.ArrayDeque<>();
        todo.add(leader.pid());
        Set<Long> seen = new java.util.HashSet<>();
        while (!todo.isEmpty()) {
            long pid = todo.poll();
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(PROC.resolve(Long.toString(pid)).resolve("task"))) {
                for (Path task : tasks) {
                    String children = Files.readString(task.resolve("children")).strip();
                    if (children.isEmpty()) continue;
                    for (String c : children.split(" ")) {
                        long child = Long.parseLong(c);
                        if (seen.add(child)) {
                            todo.add(child);
                            ProcessHandle.of(child).ifPresent(out::add);
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // Exited meanwhile: no children to follow.
            }
        }
        return out.stream();
    }

    private static final boolean HAS_CHILDREN_FILES = HAS_PROC
            && Files.exists(PROC.resolve("self").resolve("task").resolve(Long.toString(ProcessHandle.current().pid())).resolve("children"));

    private static long groupOf(long pid) {
        return processGroup(PROC.resolve(Long.toString(pid)));
    }

    /** Processes whose process group id is {@code pgid}, from /proc; empty where there is no /proc. */
    static Set<ProcessHandle> groupMembers(long pgid) {
        return groupMembers(Set.of(pgid));
    }

    /** Processes in any of {@code groups}, from one scan of /proc. */
    static Set<ProcessHandle> groupMembers(Set<Long> groups) {
        Set<ProcessHandle> members = new LinkedHashSet<>();
        membersByGroup(groups).values().forEach(members::addAll);
        return members;
    }

    /** The running members of each of {@code groups} that has any, from one scan of /proc. */
    private static java.util.Map<Long, List<ProcessHandle>> membersByGroup(Set<Long> groups) {
        java.util.Map<Long, List<ProcessHandle>> members = new java.util.HashMap<>();
        if (!HAS_PROC) return members;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC)) {
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                if (name.isEmpty() || !Character.isDigit(name.charAt(0))) continue;
                long group = processGroup(dir);
                if (!groups.contains(group)) continue;
                ProcessHandle.of(Long.parseLong(name)).filter(ProcessTree::running)
                        .ifPresent(p -> members.computeIfAbsent(group, g -> new java.util.ArrayList<>()).add(p));
            }
        } catch (IOException | RuntimeException e) {
            // /proc changes under us; a partial answer is the best there is, and the caller retries.
        }
        return members;
    }

    private static long processGroup(Path procDir) {
        try {
            String stat = Files.readString(procDir.resolve("stat"));
            // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so parse after the last ')'.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ", 4);
            return Long.parseLong(fields[2]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
