package dev.pooly.benchmarks;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The baseline for Pooly's launcher: the least a JVM can do to start a worker, one
 * {@code posix_spawnp(3)} through FFM with {@code POSIX_SPAWN_SETSID} and a stdin and a stdout pipe,
 * written independently of Pooly's launcher (no cgroup, no stderr, no readiness, no bookkeeping).
 * Not thread-safe; a harness uses it from one thread.
 */
final class BareSpawn {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle SPAWNP = fn("posix_spawnp", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle FA_INIT = fn("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FA_DUP2 = fn("posix_spawn_file_actions_adddup2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FA_DESTROY = fn("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ATTR_INIT = fn("posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ATTR_FLAGS = fn("posix_spawnattr_setflags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
    private static final MethodHandle ATTR_DESTROY = fn("posix_spawnattr_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle PIPE2 = fn("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle READ = fn("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = fn("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle KILL = fn("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle WAITPID = fn("waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final Environ ENV = new Environ();

    /** A started process: its pid and the parent's pipe ends. */
    record Child(int pid, int stdin, int stdout) {}

    private BareSpawn() {}

    private static MethodHandle fn(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), d);
    }

    /** posix_spawnp of {@code argv} in a new session with stdin/stdout pipes. */
    static Child spawn(List<String> argv) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment in = a.allocate(JAVA_INT, 2), out = a.allocate(JAVA_INT, 2);
            int ignored = (int) PIPE2.invokeExact(in, 0x80000);
            ignored = (int) PIPE2.invokeExact(out, 0x80000);
            MemorySegment fa = a.allocate(1024, 16), attr = a.allocate(1024, 16);
            ignored = (int) FA_INIT.invokeExact(fa);
            ignored = (int) FA_DUP2.invokeExact(fa, in.getAtIndex(JAVA_INT, 0), 0);
            ignored = (int) FA_DUP2.invokeExact(fa, out.getAtIndex(JAVA_INT, 1), 1);
            ignored = (int) ATTR_INIT.invokeExact(attr);
            ignored = (int) ATTR_FLAGS.invokeExact(attr, (short) 0x80);
            MemorySegment args = a.allocate(ADDRESS, argv.size() + 1L);
            for (int i = 0; i < argv.size(); i++) args.setAtIndex(ADDRESS, i, a.allocateFrom(argv.get(i)));
            args.setAtIndex(ADDRESS, argv.size(), MemorySegment.NULL);
            MemorySegment pid = a.allocate(JAVA_INT);
            int rc = (int) SPAWNP.invokeExact(pid, a.allocateFrom(argv.get(0)), fa, attr, args, ENV.get());
            ignored = (int) FA_DESTROY.invokeExact(fa);
            ignored = (int) ATTR_DESTROY.invokeExact(attr);
            ignored = (int) CLOSE.invokeExact(in.getAtIndex(JAVA_INT, 0));
            ignored = (int) CLOSE.invokeExact(out.getAtIndex(JAVA_INT, 1));
            if (rc != 0) throw new IOException("posix_spawnp " + argv + ": errno " + rc);
            return new Child(pid.get(JAVA_INT, 0), in.getAtIndex(JAVA_INT, 1), out.getAtIndex(JAVA_INT, 0));
        }
    }

    /** Writes one line and reads until its echo's newline. */
    static void echo(Child c, String line) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment msg = a.allocateFrom(line + "\n");
            long ignored = (long) WRITE.invokeExact(c.stdin(), msg, (long) line.length() + 1);
            MemorySegment buf = a.allocate(64);
            while (true) {
                long n = (long) READ.invokeExact(c.stdout(), buf, 64L);
                if (n <= 0) throw new IOException("no echo from pid " + c.pid());
                if (buf.get(JAVA_BYTE, n - 1) == '\n') return;
            }
        }
    }

    /** SIGKILL, reap, close the pipes (untimed clean-up). */
    static void end(Child c) throws Throwable {
        int ignored = (int) KILL.invokeExact(c.pid(), 9);
        try (Arena a = Arena.ofConfined()) {
            ignored = (int) WAITPID.invokeExact(c.pid(), a.allocate(JAVA_INT), 0);
        }
        ignored = (int) CLOSE.invokeExact(c.stdin());
        ignored = (int) CLOSE.invokeExact(c.stdout());
    }

    /** glibc's {@code environ}: the child gets this JVM's environment, as Pooly's children do. */
    private static final class Environ {
        private final MemorySegment environ = LINKER.defaultLookup().find("environ").orElseThrow()
                .reinterpret(ADDRESS.byteSize());

        MemorySegment get() {
            return environ.get(ADDRESS, 0);
        }
    }
}
