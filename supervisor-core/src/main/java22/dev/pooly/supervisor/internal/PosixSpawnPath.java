package dev.pooly.supervisor.internal;

import dev.pooly.supervisor.ExitStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The Linux launch path on Java 22+: one {@code posix_spawn(3)} per process, called through the FFM
 * API, with {@code POSIX_SPAWN_SETSID} (glibc 2.26+) so that the command itself leads a new session:
 * no {@code jspawnhelper}, {@code setpriv} or {@code setsid} exec in between, and no JDK thread per
 * process besides the {@link ProcessHandle#onExit()} waiter.
 *
 * <p>What the JDK would do and we therefore must: the pipes are made with {@code pipe2(O_CLOEXEC)} and
 * put on 0/1/2 by {@code posix_spawn_file_actions_adddup2}; every other descriptor is closed in the
 * child ({@code posix_spawn_file_actions_addclosefrom_np}, glibc 2.34), so a worker never holds the
 * guardian's pipe or another worker's; the signal mask is emptied and dispositions reset; and since
 * the JDK does not know these children, we reap them: {@code waitpid} once {@code onExit} (which waits
 * with {@code WNOWAIT}) has seen the exit, so no zombie stays and the exit status is the real one
 * (a signal is a signal, not 128+N).
 *
 * <p>The parent's ends of stdin/stdout become {@link FileOutputStream}/{@link FileInputStream} ({@link PipeInput}) by
 * opening {@code /proc/self/fd/N} (a supported, reflection-free way to get a {@link java.io.FileDescriptor}
 * for a descriptor we made), after which our own descriptor is closed (stdout's is kept while the child
 * runs, for {@link PipeInput}'s one-syscall peek). stderr stays a raw descriptor
 * for the {@link StderrMux}.
 *
 * <p>Where glibc has {@code posix_spawnattr_setcgroup_np} (2.39+, looked up at run time), a child
 * with a cgroup is spawned into it ({@code CLONE_INTO_CGROUP}): born there, so nothing it forks can
 * start outside, and no move through {@code cgroup.procs} (which waits for an RCU grace period on a
 * cgroup2 mount without {@code favordynmods}) is needed. Elsewhere, and with
 * {@code -Dpooly.placement=migrate}, the child is spawned in this JVM's cgroup and moved ({@link Placer#place}).
 *
 * <p>Present only in {@code META-INF/versions/22} of the jar; {@link Launcher} loads it by name and
 * falls back to {@link JdkSpawnPath} when it is absent (Java 21) or {@link #create} refuses (no glibc
 * with these functions). Thread-safe: method handles are immutable, each spawn uses its own arena.
 */
final class PosixSpawnPath implements SpawnPath {
    private static final Logger LOG = LoggerFactory.getLogger(PosixSpawnPath.class);
    private static final int O_CLOEXEC = 0x80000;
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final short POSIX_SPAWN_SETSID = 0x80;
    /** glibc >= 2.39: clone3(CLONE_INTO_CGROUP) with the descriptor of posix_spawnattr_setcgroup_np. */
    private static final short POSIX_SPAWN_SETCGROUP = 0x100;
    private static final int O_RDONLY_DIRECTORY = 0x10000;
    /** glibc's posix_spawnattr_t is 336 bytes and posix_spawn_file_actions_t 80; room to spare. */
    private static final long OPAQUE = 1024;
    private static final long SIGSET = 128;

    static final Linker LINKER = Linker.nativeLinker();
    static final SymbolLookup LIBC = LINKER.defaultLookup();
    static final StructLayout ERRNO_STATE = Linker.Option.captureStateLayout();
    static final VarHandle ERRNO = ERRNO_STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));

    private static final int ENOENT = 2, EACCES = 13;
    private final MethodHandle spawnp = fn("posix_spawnp", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private final MethodHandle spawn = fn("posix_spawn", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private final MethodHandle faInit = fn("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private final MethodHandle faDestroy = fn("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private final MethodHandle faDup2 = fn("posix_spawn_file_actions_adddup2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private final MethodHandle faChdir = fn("posix_spawn_file_actions_addchdir_np", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private final MethodHandle faClosefrom = fn("posix_spawn_file_actions_addclosefrom_np", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private final MethodHandle attrInit = fn("posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private final MethodHandle attrFlags = fn("posix_spawnattr_setflags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
    private final MethodHandle attrSigmask = fn("posix_spawnattr_setsigmask", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private final MethodHandle attrSigdefault = fn("posix_spawnattr_setsigdefault", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private final MethodHandle sigemptyset = fn("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private final MethodHandle sigfillset = fn("sigfillset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private final MethodHandle pipe2 = fn("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), Linker.Option.captureCallState("errno"));
    static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private final MethodHandle attrDestroy = fn("posix_spawnattr_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    /**
     * {@code posix_spawnattr_setcgroup_np} where this libc has it (glibc >= 2.39), else null: looked up
     * at run time, so one jar runs on both.
     */
    private final MethodHandle attrSetcgroup = LIBC.find("posix_spawnattr_setcgroup_np")
            .map(f -> LINKER.downcallHandle(f, FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT))).orElse(null);
    private final MethodHandle open = fn("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2), Linker.Option.captureCallState("errno"));
    /**
     * Whether children are born in their cgroup. Cleared for good (and logged) the first time the
     * kernel refuses CLONE_INTO_CGROUP (Linux < 5.7: ENOSYS); a racing spawn that still tried it falls
     * back by itself, so the flag needs no more than volatile.
     */
    private volatile boolean intoCgroup = attrSetcgroup != null && !"migrate".equals(System.getProperty("pooly.placement"));
    private static final int ENOSYS = 38, EINVAL = 22, EOPNOTSUPP = 95;
    private final MemorySegment noSignals;
    private final MemorySegment allSignals;
    private static final MethodHandle WAITPID = fn("waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), Linker.Option.captureCallState("errno"));

    /** This process's working directory as the kernel has it (not {@code user.dir}, which a flag can change); null if unknown. */
    private static final Path JVM_CWD = jvmCwd();

    private final StderrMux mux;
    /**
     * The spawn attributes, the same for every child (new session, empty signal mask, every signal
     * at its default): made once and never changed, so concurrent posix_spawn calls may share them
     * (posix_spawn only reads its attributes).
     */
    private final MemorySegment attr;
    private final Environ environ = new Environ();

    private PosixSpawnPath() {
        this.mux = new StderrMux();
        try {
            noSignals = Arena.global().allocate(SIGSET, 8);
            allSignals = Arena.global().allocate(SIGSET, 8);
            check("sigemptyset", (int) sigemptyset.invokeExact(noSignals));
            check("sigfillset", (int) sigfillset.invokeExact(allSignals));
            attr = Arena.global().allocate(OPAQUE, 16);
            check("posix_spawnattr_init", (int) attrInit.invokeExact(attr));
            check("setsigmask", (int) attrSigmask.invokeExact(attr, noSignals));
            check("setsigdefault", (int) attrSigdefault.invokeExact(attr, allSignals));
            check("setflags", (int) attrFlags.invokeExact(attr,
                    (short) (POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new UnsupportedOperationException("posix_spawn attributes: " + t.getMessage(), t);
        }
    }

    /**
     * The children's environment: this JVM's ({@link System#getenv()}, fixed for the JVM's life),
     * encoded once into native memory that lives as long as the JVM, plus a spec's own variables per
     * spawn. A spawn then builds only the pointer array and its few extra strings. Immutable.
     */
    private static final class Environ {
        private final String[] keys;
        private final MemorySegment[] entries;

        Environ() {
            Map<String, String> base = System.getenv();
            keys = new String[base.size()];
            entries = new MemorySegment[base.size()];
            int i = 0;
            for (Map.Entry<String, String> e : base.entrySet()) {
                keys[i] = e.getKey();
                entries[i++] = Arena.global().allocateFrom(e.getKey() + "=" + e.getValue(), StandardCharsets.UTF_8);
            }
        }

        /** A NULL-terminated envp: the JVM's variables that {@code extra} does not override, then {@code extra}. */
        MemorySegment with(Arena arena, Map<String, String> extra) {
            MemorySegment envp = arena.allocate(ADDRESS, keys.length + extra.size() + 1L);
            long n = 0;
            for (int i = 0; i < keys.length; i++) {
                if (!extra.containsKey(keys[i])) envp.setAtIndex(ADDRESS, n++, entries[i]);
            }
            for (Map.Entry<String, String> e : extra.entrySet()) {
                envp.setAtIndex(ADDRESS, n++, arena.allocateFrom(e.getKey() + "=" + e.getValue(), StandardCharsets.UTF_8));
            }
            envp.setAtIndex(ADDRESS, n, MemorySegment.NULL);
            return envp;
        }
    }

    private static Path jvmCwd() {
        try {
            return java.nio.file.Files.readSymbolicLink(Path.of("/proc/self/cwd"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Called reflectively by {@link Launcher}; throws when this libc lacks a function we need. */
    static SpawnPath create() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            throw new UnsupportedOperationException("posix_spawn path is for Linux");
        }
        return new PosixSpawnPath();
    }

    static MethodHandle fn(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new UnsupportedOperationException("libc has no " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    @Override public String name() { return "posix_spawn"; }

    @Override public boolean deathSignal() { return false; }

    @Override public boolean searchesPath() { return true; }

    @Override public String placement() { return intoCgroup ? "clone_into_cgroup" : "migrate"; }

    @Override public Spawned spawn(String program, List<String> argv, Path cwd, Map<String, String> env, Placer placer) throws IOException {
        int[] in = null, out = null, err = null;
        int pid;
        boolean born = false; // in its cgroup from its first instruction: nothing to move
        // One confined arena per spawn: the pipes' result, the file actions, argv and the per-spawn part
        // of envp; freed when posix_spawn has returned (the child has exec'd or failed).
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(ERRNO_STATE);
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            in = pipe(fds, errno);
            out = pipe(fds, errno);
            err = pipe(fds, errno);
            MemorySegment fa = arena.allocate(OPAQUE, 16);
            check("posix_spawn_file_actions_init", (int) faInit.invokeExact(fa));
            try {
                check("adddup2", (int) faDup2.invokeExact(fa, in[0], 0));
                check("adddup2", (int) faDup2.invokeExact(fa, out[1], 1));
                check("adddup2", (int) faDup2.invokeExact(fa, err[1], 2));
                check("addclosefrom_np", (int) faClosefrom.invokeExact(fa, 3));
                // The JVM's own directory is inherited as it is: no chdir in the child.
                if (cwd != null && !cwd.equals(JVM_CWD)) check("addchdir_np", (int) faChdir.invokeExact(fa, arena.allocateFrom(cwd.toString())));
                MemorySegment pidOut = arena.allocate(JAVA_INT);
                // A bare name: posix_spawnp searches PATH in the child, after the file actions, as execvp does.
                boolean search = program.indexOf('/') < 0;
                MethodHandle how = search ? spawnp : spawn;
                MemorySegment file = arena.allocateFrom(program);
                MemorySegment args = strings(arena, argv);
                MemorySegment envp = environ.with(arena, env);
                int rc = -1;
                Path group = intoCgroup ? placer.cgroup() : null;
                if (group != null) {
                    rc = spawnInto(group, arena, errno, how, pidOut, file, fa, args, envp);
                    if (rc == 0) born = true;
                }
                if (!born) rc = (int) how.invokeExact(pidOut, file, fa, attr, args, envp);
                if (search && (rc == ENOENT || rc == EACCES)) throw new NotFound(strerror(rc));
                if (rc != 0) throw new IOException("posix_spawn " + program + ": " + strerror(rc));
                pid = pidOut.get(JAVA_INT, 0);
            } finally {
                int ignored = (int) faDestroy.invokeExact(fa);
            }
        } catch (IOException | RuntimeException | Error e) {
            closeAll(in, out, err);
            throw e;
        } catch (Throwable t) {
            closeAll(in, out, err);
            throw new IOException(t);
        }
        try {
            if (!born) placer.place(pid);
        } catch (IOException | RuntimeException e) {
            // Not contained as promised: it must not run. Killed and reaped before we report the failure.
            kill(pid);
            reap(pid);
            closeAll(in[0], in[1], out[0], out[1], err[0], err[1]);
            throw e;
        }
        // The child has its copies; ours of its ends go, so EOF and EPIPE work.
        OutputStream stdin;
        PipeInput stdout = null;
        try {
            // /proc reopen before closing the child's ends: opening a pipe with no peer would block.
            stdin = new FileOutputStream("/proc/self/fd/" + in[1]);
            stdout = new PipeInput(out[0]); // keeps out[0] for its one-ioctl peek until the exit
        } finally {
            closeAll(in[0], out[1], err[1], in[1]);
            if (stdout == null) closeAll(out[0]);
        }
        ProcessHandle handle = ProcessHandle.of(pid).orElse(null);
        if (handle == null) {
            // We have not reaped it, so it exists at least as a zombie: /proc failed us.
            kill(pid);
            reap(pid);
            closeAll(err[0]);
            stdout.retirePeek();
            throw new IOException("spawned pid " + pid + " is not visible in /proc");
        }
        PipeInput peeked = stdout;
        CompletableFuture<ExitStatus> exit = handle.onExit().thenApply(h -> {
            peeked.retirePeek(); // the descriptor lives as long as the child: no cleaner needed
            return reap(pid);
        });
        int errFd = err[0];
        return new Spawned(handle, stdin, peeked, exit, sink -> mux.register(errFd, sink));
    }

    /**
     * posix_spawn into {@code group} (CLONE_INTO_CGROUP): the child, and so whatever it forks, is in its
     * cgroup from its first instruction, and no write to cgroup.procs (with its RCU grace period) is
     * needed. Returns posix_spawn's result, or -1 when the kernel refuses the flag: then this path is
     * off for good, logged once, and the caller spawns as before and moves the child.
     */
    private int spawnInto(Path group, Arena arena, MemorySegment errno, MethodHandle how, MemorySegment pidOut, MemorySegment file,
                          MemorySegment fa, MemorySegment args, MemorySegment envp) throws Throwable {
        int fd = (int) open.invokeExact(errno, arena.allocateFrom(group.toString()), O_RDONLY_DIRECTORY | O_CLOEXEC, 0);
        if (fd < 0) throw new IOException("open " + group + ": " + strerror((int) ERRNO.get(errno, 0L)));
        MemorySegment own = arena.allocate(OPAQUE, 16);
        try {
            check("posix_spawnattr_init", (int) attrInit.invokeExact(own));
            try {
                check("setsigmask", (int) attrSigmask.invokeExact(own, noSignals));
                check("setsigdefault", (int) attrSigdefault.invokeExact(own, allSignals));
                check("setflags", (int) attrFlags.invokeExact(own,
                        (short) (POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETCGROUP)));
                check("setcgroup_np", (int) attrSetcgroup.invokeExact(own, fd));
                int rc = (int) how.invokeExact(pidOut, file, fa, own, args, envp);
                if (rc == ENOSYS || rc == EOPNOTSUPP || rc == EINVAL) {
                    if (intoCgroup) {
                        intoCgroup = false;
                        LOG.info("CLONE_INTO_CGROUP refused by the kernel ({}); each new child is moved into its cgroup after the spawn",
                                strerror(rc));
                    }
                    return -1;
                }
                return rc;
            } finally {
                int ignored = (int) attrDestroy.invokeExact(own);
            }
        } finally {
            closeAll(fd);
        }
    }

    private static final MethodHandle KILL = fn("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

    /** SIGKILL to our own unreaped child: its pid cannot have been reused. */
    private static void kill(int pid) {
        try {
            int ignored = (int) KILL.invokeExact(pid, 9);
        } catch (Throwable t) {
            // kill(2) does not throw.
        }
    }

    /** Reaps {@code pid}, which has exited (onExit saw it with WNOWAIT), and decodes its status. */
    static ExitStatus reap(int pid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment status = arena.allocate(JAVA_INT);
            MemorySegment errno = arena.allocate(ERRNO_STATE);
            while (true) {
                int rc = (int) WAITPID.invokeExact(errno, pid, status, 0);
                if (rc == pid) break;
                int e = (int) ERRNO.get(errno, 0L);
                if (rc < 0 && e == 4) continue; // EINTR
                return new ExitStatus.Crashed("exit status of pid " + pid + " unavailable (" + strerror(e) + ")");
            }
            int s = status.get(JAVA_INT, 0);
            int signal = s & 0x7f;
            return signal == 0 ? new ExitStatus.Exited((s >> 8) & 0xff) : new ExitStatus.Signaled(signal);
        } catch (Throwable t) {
            return new ExitStatus.Crashed("exit status of pid " + pid + " unavailable (" + t + ")");
        }
    }

    /** One pipe2(O_CLOEXEC), its two descriptors read from {@code fds}. */
    private int[] pipe(MemorySegment fds, MemorySegment errno) throws Throwable {
        int rc = (int) pipe2.invokeExact(errno, fds, O_CLOEXEC);
        if (rc != 0) throw new IOException("pipe2: " + strerror((int) ERRNO.get(errno, 0L)));
        return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
    }

    /** Closes both ends of each pipe made so far (null: not made). */
    private static void closeAll(int[]... pipes) {
        for (int[] p : pipes) if (p != null) closeAll(p[0], p[1]);
    }

    static void closeAll(int... fds) {
        for (int fd : fds) {
            try {
                int ignored = (int) CLOSE.invokeExact(fd);
            } catch (Throwable t) {
                // close(2) does not throw; a linkage error here would have failed at class init.
            }
        }
    }

    /** A NULL-terminated char*[] of {@code values}, allocated in {@code arena}. */
    private static MemorySegment strings(Arena arena, List<String> values) {
        MemorySegment array = arena.allocate(ADDRESS, values.size() + 1L);
        for (int i = 0; i < values.size(); i++) {
            array.setAtIndex(ADDRESS, i, arena.allocateFrom(values.get(i), StandardCharsets.UTF_8));
        }
        array.setAtIndex(ADDRESS, values.size(), MemorySegment.NULL);
        return array;
    }

    private static void check(String what, int rc) throws IOException {
        if (rc != 0) throw new IOException(what + ": " + strerror(rc));
    }

    private static final MethodHandle STRERROR = fn("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0) + " (errno " + errno + ")";
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
