package dev.pooly.supervisor.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How this JVM keeps a supervised process's descendants from outliving it: by cgroup (v2) where the
 * host allows it, else by process groups plus tracking of sessions. Decided once, at class
 * initialisation, and logged once.
 *
 * <p><b>cgroup.</b> The v2 hierarchy is found from /proc/self/mountinfo (the {@code cgroup2} mount; on
 * hybrid hosts /sys/fs/cgroup/unified) and this JVM's place in it from the {@code 0::} line of
 * /proc/self/cgroup. Below that place Pooly creates one cgroup for the daemon, {@code pooly-PID}, and
 * in it: {@code daemon} (this JVM itself, and so where every child is born), one directory per
 * supervisor (a pool is one) and one per process incarnation below its supervisor's, named after the
 * process ({@code STEM.N}; an incarnation's cgroup, once empty, is kept for the next incarnation of
 * its kind, one per kind, so that a restart does not wait for a mkdir). A process is
 * moved from {@code daemon} into its own cgroup by the thread that spawned it, before the launch
 * completes; so is anything it forked meanwhile that is still in {@code daemon} and descends from it.
 * A stop ends with {@code cgroup.kill} of that cgroup, which reaches descendants that called
 * {@code setsid()} or double-forked; so does the process's exit. The {@link Guardian} (outside the
 * daemon's cgroup) writes {@code cgroup.kill} of the whole daemon cgroup when this JVM dies, even by
 * SIGKILL, then removes the directories. Only directories Pooly created are removed, each once empty.
 * Only the v2 hierarchy is written; v1 controllers (memory and the others) are never touched.
 *
 * <p>What this guarantees: every process a supervised process starts is in the daemon's cgroup, and
 * dies when the daemon dies. It is in its parent's cgroup (and dies with that child's stop, kill or
 * exit) unless it was forked in the few microseconds between the spawn and the move <em>and</em> its
 * parent had exited by the time of the move (a double fork completed in that window); then it dies
 * with the daemon only. Not available: no cgroup v2, no permission (not root, no delegation), no
 * {@code cgroup.kill} (Linux before 5.14), or {@code -Dpooly.containment=session-tracking}.
 *
 * <p><b>session-tracking</b> (the fallback). Each process leads its own session and process group;
 * stops and kills signal the group and also every descendant found at that moment outside the group
 * (a {@code setsid()} child is still a descendant while its parent lives). On JVM death the guardian
 * kills the registered groups. What it cannot promise: a descendant that left its group and was
 * re-parented to init (double fork) before the stop, and any {@code setsid()} descendant when the JVM
 * is SIGKILLed, survive.
 *
 * <p>Thread-safe: the mode and paths are final; the set of directories created is concurrent; each
 * {@link Group} is used by its process's launcher, stopper and exit hook, whose writes to cgroup files
 * are atomic kernel operations.
 */
public final class Containment {
    private static final Logger LOG = LoggerFactory.getLogger(Containment.class);

    /** The containment in force. */
    public enum Mode {
        CGROUP("cgroup"), SESSION_TRACKING("session-tracking");

        private final String label;

        Mode(String label) { this.label = label; }

        /** As {@code pooly status --json} shows it. */
        public String label() { return label; }
    }

    private static final Path DAEMON_GROUP;
    private static final Path CATCH_ALL;
    private static final Mode MODE;
    /** Directories we made (the only ones we ever remove). */
    private static final Set<Path> CREATED = ConcurrentHashMap.newKeySet();
    private static final AtomicLong SEQ = new AtomicLong();
    /**
     * At most one empty process cgroup per kind of process (key: its supervisor's directory and its
     * name stem), kept from an earlier incarnation for the next. Only the launch that removes a spare
     * from here uses it.
     */
    private static final ConcurrentHashMap<Path, Path> SPARES = new ConcurrentHashMap<>();

    static {
        Path daemon = null;
        String why;
        try {
            daemon = setUp();
            why = null;
        } catch (IOException | RuntimeException e) {
            why = e.getMessage();
        }
        DAEMON_GROUP = daemon;
        CATCH_ALL = daemon == null ? null : daemon.resolve("daemon");
        MODE = daemon == null ? Mode.SESSION_TRACKING : Mode.CGROUP;
        if (MODE == Mode.CGROUP) {
            LOG.info("containment: cgroup (v2, {}): each process and supervisor in a cgroup of its own; launch: {}; placement: {}",
                    DAEMON_GROUP, Launcher.launchPath(), Launcher.placement().equals("clone_into_cgroup")
                            ? "clone_into_cgroup (each child is born in its cgroup: posix_spawnattr_setcgroup_np)"
                            : "migrate (each child is moved into its cgroup after the spawn)");
            if (Launcher.placement().equals("migrate") && !favorsDynamicMoves()) {
                LOG.info("cgroup2 is mounted without favordynmods: moving each new child into its cgroup waits for an RCU "
                        + "grace period (about 10 ms per start or restart); `mount -o remount,favordynmods <cgroup2 mount>` "
                        + "(Linux >= 6.0) removes that cost (see docs/production.md)");
            }
        } else {
            LOG.info("containment: session-tracking (no cgroup: {}); a setsid() descendant may survive a SIGKILL of this JVM; launch: {}",
                    why, Launcher.launchPath());
        }
    }

    private Containment() {}

    /** The containment in force in this JVM. */
    public static Mode mode() { return MODE; }

    /**
     * Moves this JVM back to the cgroup it started in, out of the daemon's cgroup: only for the
     * guardian's last act at a clean exit, which kills that whole cgroup.
     */
    static void leaveDaemonGroup() {
        if (DAEMON_GROUP == null) return;
        try {
            Files.writeString(DAEMON_GROUP.getParent().resolve("cgroup.procs"), Long.toString(ProcessHandle.current().pid()));
        } catch (IOException | RuntimeException e) {
            LOG.debug("could not leave {} before exit: {}", DAEMON_GROUP, e.toString());
        }
    }

    /** The daemon's cgroup, where cgroups are in force. */
    public static Optional<Path> daemonGroup() { return Optional.ofNullable(DAEMON_GROUP); }

    private static Path setUp() throws IOException {
        String forced = System.getProperty("pooly.containment", "");
        if (forced.equals("session-tracking")) throw new IOException("-Dpooly.containment=session-tracking");
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) throw new IOException("not Linux");
        Path mount = cgroup2Mount().orElseThrow(() -> new IOException("no cgroup2 mount in /proc/self/mountinfo"));
        String own = ownCgroup().orElseThrow(() -> new IOException("no 0:: line in /proc/self/cgroup"));
        Path parent = mount.resolve(own.substring(1)).normalize();
        if (!parent.startsWith(mount)) throw new IOException("cgroup path " + own + " escapes " + mount);
        Path daemon = parent.resolve("pooly-" + ProcessHandle.current().pid());
        Files.createDirectory(daemon);
        CREATED.add(daemon);
        try {
            if (!Files.exists(daemon.resolve("cgroup.kill"))) throw new IOException("no cgroup.kill (Linux < 5.14)");
            // The guardian must live outside the cgroup it kills: start it before we move in.
            if (!Guardian.startFor(daemon)) throw new IOException("the guardian could not start");
            Path catchAll = daemon.resolve("daemon");
            Files.createDirectory(catchAll);
            CREATED.add(catchAll);
            Files.writeString(catchAll.resolve("cgroup.procs"), Long.toString(ProcessHandle.current().pid()));
            return daemon;
        } catch (IOException | RuntimeException e) {
            for (Path p : List.of(daemon.resolve("daemon"), daemon)) {
                if (CREATED.remove(p)) Files.deleteIfExists(p);
            }
            throw new IOException("cannot use " + daemon + ": " + e.getMessage(), e);
        }
    }

    private static Optional<Path> cgroup2Mount() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
            int dash = line.indexOf(" - ");
            if (dash < 0) continue;
            String[] after = line.substring(dash + 3).split(" ");
            String[] before = line.substring(0, dash).split(" ");
            if (after[0].equals("cgroup2") && before.length > 4 && before[3].equals("/")) {
                return Optional.of(Path.of(before[4].replace("\\040", " ")));
            }
        }
        return Optional.empty();
    }

    /**
     * Whether the cgroup2 mount has {@code favordynmods}: without it every write to cgroup.procs waits
     * for an RCU grace period unless another migration happened just before (measured here: 8-11 ms
     * per isolated move, 0.2 ms with the option).
     */
    private static boolean favorsDynamicMoves() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                int dash = line.indexOf(" - ");
                if (dash >= 0 && line.startsWith("cgroup2 ", dash + 3)) return line.substring(dash).contains("favordynmods");
            }
        } catch (IOException | RuntimeException e) {
            // Only a hint: without mountinfo there is nothing to advise.
        }
        return true;
    }

    private static Optional<String> ownCgroup() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            if (line.startsWith("0::")) return Optional.of(line.substring(3));
        }
        return Optional.empty();
    }

    /**
     * A cgroup for one incarnation of a process named {@code stem} (its id, or its template's for a
     * dynamic child) under supervisor {@code supervisorPath}; null without cgroups. An earlier
     * incarnation's cgroup, emptied and kept as this kind's spare, when there is one (a restart, or a
     * pool replacing a worker, then skips the mkdir: 0.1-0.2 ms of a start); else a new {@code STEM.N}.
     */
    static Group newGroup(String supervisorPath, String stem) throws IOException {
        if (MODE != Mode.CGROUP) return null;
        Path kind = supervisorDir(supervisorPath).resolve(safe(stem));
        Path spare = SPARES.get(kind);
        // Two launches of one kind at once: remove(key, value) gives the spare to exactly one of them.
        if (spare != null && SPARES.remove(kind, spare)) return new Group(spare, kind);
        Path dir = kind.resolveSibling(kind.getFileName() + "." + SEQ.incrementAndGet());
        mkdirs(dir);
        return new Group(dir, kind);
    }

    /** The spare kept for processes named {@code stem} under supervisor {@code supervisorPath}, if any (for tests). */
    static Optional<Path> spare(String supervisorPath, String stem) {
        return MODE != Mode.CGROUP ? Optional.empty() : Optional.ofNullable(SPARES.get(supervisorDir(supervisorPath).resolve(safe(stem))));
    }

    /** Forgets and removes the spares kept for processes of the supervisor whose directory is {@code dir}. */
    private static void dropSpares(Path dir) {
        for (Path kind : SPARES.keySet()) {
            if (!dir.equals(kind.getParent())) continue;
            Path spare = SPARES.remove(kind);
            if (spare != null) removeWhenEmpty(spare, null, 1);
        }
    }

    private static Path supervisorDir(String supervisorPath) {
        Path dir = DAEMON_GROUP;
        if (supervisorPath != null) {
            for (String part : supervisorPath.split("/")) if (!part.isEmpty()) dir = dir.resolve("s." + safe(part));
        }
        return dir;
    }

    private static void mkdirs(Path dir) throws IOException {
        Path parent = dir.getParent();
        if (parent.equals(DAEMON_GROUP) || CREATED.contains(parent)) {
            // The usual case, a new incarnation below its supervisor's existing cgroup: one mkdir.
            // A parent removed meanwhile (its supervisor ended) fails this mkdir, and the walk below makes it again.
            try {
                Files.createDirectory(dir);
                CREATED.add(dir);
                return;
            } catch (java.nio.file.NoSuchFileException e) {
                // fall through to the walk
            }
        }
        List<Path> missing = new ArrayList<>();
        for (Path p = dir; !p.equals(DAEMON_GROUP) && !Files.isDirectory(p); p = p.getParent()) missing.add(0, p);
        for (Path p : missing) {
            try {
                Files.createDirectory(p);
                CREATED.add(p);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // Made meanwhile by a sibling's launch: fine.
            }
        }
    }

    /** A supervisor terminated: remove its directory (once its children's are gone), if we made it. */
    static void supervisorGone(String supervisorPath) {
        if (MODE != Mode.CGROUP) return;
        removeWhenEmpty(supervisorDir(supervisorPath), null, 250);
    }

    private static final java.util.regex.Pattern UNSAFE = java.util.regex.Pattern.compile("[^A-Za-z0-9_.-]");

    private static String safe(String name) {
        return UNSAFE.matcher(name).replaceAll("_");
    }

    /**
     * Retries rmdir every 20 ms, {@code tries} times, while the directory is busy. Only ours. A process
     * cgroup ({@code group} not null) that is empty, with no kill of it in flight, is kept as its kind's
     * spare instead, if the kind has none.
     */
    private static void removeWhenEmpty(Path dir, Group group, int tries) {
        Path kind = group == null ? null : group.kind;
        if (!CREATED.contains(dir) || dir.equals(DAEMON_GROUP) || dir.equals(CATCH_ALL)) return;
        // A supervisor's directory: its spares go first, on every try, since a process cgroup emptied
        // meanwhile may just have become one (the race this repeat closes).
        if (kind == null) dropSpares(dir);
        // No spares where children are born in their cgroup: Linux (seen on 6.18) SIGKILLs a child
        // cloned into a cgroup that had a cgroup.kill before (its kill sequence differs from the parent's).
        if (kind != null && group.killing.get() == 0 && !Launcher.placement().equals("clone_into_cgroup")
                && CREATED.contains(kind.getParent()) && !populated(dir)
                && SPARES.putIfAbsent(kind, dir) == null) {
            return;
        }
        try {
            Files.delete(dir); // rmdir(2): fails while it has processes or child cgroups
            CREATED.remove(dir);
        } catch (java.nio.file.NoSuchFileException e) {
            CREATED.remove(dir);
        } catch (IOException e) {
            if (tries > 1) Timers.after(Duration.ofMillis(20), () -> removeWhenEmpty(dir, group, tries - 1));
        }
    }

    private static boolean populated(Path dir) {
        try {
            return Files.readString(dir.resolve("cgroup.events"), StandardCharsets.US_ASCII).contains("populated 1");
        } catch (IOException e) {
            return true; // unreadable: not a cgroup to hand to anyone
        }
    }

    /** The cgroup of one process incarnation. Thread-safe (see the class comment). */
    static final class Group implements SpawnPath.Placer {
        private final Path dir;
        /** Its kind: its supervisor's directory and its name stem (see {@link #newGroup}). */
        private final Path kind;
        /**
         * Set by the first {@link #removeLater}: a stop and the process's own exit may both ask, and two
         * retry chains on one directory could remove it after the first had kept it as a spare (and
         * a new incarnation had taken it). The CAS lets one chain run.
         */
        private final java.util.concurrent.atomic.AtomicBoolean retiring = new java.util.concurrent.atomic.AtomicBoolean();
        /** {@link #kill()}s in progress: a cgroup is handed on as a spare only when none is (see kill). */
        private final java.util.concurrent.atomic.AtomicInteger killing = new java.util.concurrent.atomic.AtomicInteger();

        private Group(Path dir, Path kind) {
            this.dir = dir;
            this.kind = kind;
        }

        Path dir() { return dir; }

        @Override public Path cgroup() { return dir; }

        /**
         * Moves {@code pid}, just spawned into this JVM's cgroup, into this one; then whatever it forked
         * meanwhile that is still in the JVM's cgroup (descendants of {@code pid} by parent pid).
         */
        @Override public void place(long pid) throws IOException {
            Set<Long> moved = new HashSet<>();
            moved.add(pid);
            try {
                Files.writeString(dir.resolve("cgroup.procs"), Long.toString(pid));
            } catch (IOException e) {
                // ESRCH: it exited already (a zombie cannot move); what it forked is swept below.
                if (ProcessTree.running(ProcessHandle.of(pid).orElse(null))) throw e;
            }
            long self = ProcessHandle.current().pid();
            boolean more = true;
            while (more) {
                more = false;
                for (String line : Files.readAllLines(CATCH_ALL.resolve("cgroup.procs"))) {
                    long p = Long.parseLong(line.strip());
                    if (p == self || moved.contains(p)) continue;
                    if (moved.contains(parentOf(p))) {
                        try {
                            Files.writeString(dir.resolve("cgroup.procs"), Long.toString(p));
                            moved.add(p);
                            more = true;
                        } catch (IOException e) {
                            // Exited meanwhile.
                        }
                    }
                }
            }
        }

        /** SIGKILL to every process in this cgroup, in one write. Returns at once. */
        void kill() {
            // The race with handing this directory on as a spare (a late kill of an old incarnation must
            // never reach the next one in it): a kill counts itself in before it looks at retiring; the
            // retirement sets retiring before it looks at the count. So either this kill sees the cgroup
            // retired and writes nothing, or the retirement sees this kill and keeps the cgroup for now.
            killing.incrementAndGet();
            try {
                if (retiring.get()) return; // emptied and retired: killed already, maybe someone else's now
                Files.writeString(dir.resolve("cgroup.kill"), "1");
            } catch (IOException e) {
                // Removed already: nothing left in it.
            } finally {
                killing.decrementAndGet();
            }
        }

        /** Kills what is left, waits (bounded) until it is empty, and removes it. */
        void killAndRemove() {
            kill();
            removeLater();
        }

        /** Removes this cgroup once it is empty (asynchronously, bounded retries). */
        void removeLater() {
            if (!retiring.compareAndSet(false, true)) return;
            removeWhenEmpty(dir, this, 250);
        }

        @Override public String toString() { return dir.toString(); }
    }

    private static long parentOf(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ", 3)[1]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
