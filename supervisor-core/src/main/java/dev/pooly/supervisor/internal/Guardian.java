package dev.pooly.supervisor.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Kills what this JVM supervised when it dies, even by SIGKILL: the daemon's whole cgroup where
 * cgroups are in force ({@link Containment}), else every registered process group.
 *
 * <p>Nothing else does it: the posix_spawn launch path sets no parent-death signal, and where the
 * ProcessBuilder path's {@code setpriv --pdeathsig KILL} does, it covers each direct child only, not
 * what the child started (a shell's background jobs, a server's workers). So
 * one small {@code sh} per JVM, in a session of its own and without a death signal, is told every
 * process group we start ({@code +PGID}) and every group that is gone ({@code -PGID}) over its
 * stdin; it also delivers group signals for stops ({@code T}/{@code K} PGID). That pipe's only writer
 * is this JVM (children get no descriptor above 2: the JDK closes them, posix_spawn closes them with
 * {@code closefrom}), so the guardian reads EOF exactly when the JVM is gone, and then writes
 * {@code cgroup.kill} of the daemon's cgroup (its {@code $1}, if any), SIGKILLs every group still
 * registered ({@code kill -9 -PGID}: dash's builtin takes no {@code --}), waits for the cgroup to
 * empty and removes the cgroup directories Pooly made (all of them are below {@code $1}).
 *
 * <p>Thread-safe: writes are serialised by one lock that guards only this pipe. If the guardian
 * cannot start or dies, Pooly goes on with the death signal alone and says so once.
 */
public final class Guardian {
    private static final Logger LOG = LoggerFactory.getLogger(Guardian.class);
    /** The guardian's {@code $0}, so that {@code ps} (and leak checks) can tell it apart. */
    public static final String NAME = "pooly-guardian";
    /**
     * One line per message, builtins only (no fork per line), and no loop per line: removal is
     * string surgery on " g1 g2 ... ", so the guardian keeps up with a pool of thousands.
     */
    private static final String SCRIPT = """
            groups=' '
            while IFS= read -r line; do
              case $line in
                T*) kill -15 "-${line#T}" 2>/dev/null ;;
                K*) kill -9 "-${line#K}" 2>/dev/null ;;
                +*) groups="$groups${line#+} " ;;
                -*) g=${line#-}
                    case $groups in *" $g "*) groups="${groups%% $g *} ${groups#* $g }" ;; esac ;;
              esac
            done
            if [ -n "$1" ]; then echo 1 > "$1/cgroup.kill"; fi 2>/dev/null
            for p in $groups; do kill -9 "-$p" 2>/dev/null; done
            if [ -n "$1" ]; then
              n=0
              while [ $n -lt 100 ] && grep -q 'populated 1' "$1/cgroup.events" 2>/dev/null; do sleep 0.05; n=$((n+1)); done
              find "$1" -depth -type d -exec rmdir {} + 2>/dev/null
            fi
            """;

    private static final ReentrantLock LOCK = new ReentrantLock();
    private static OutputStream pipe;
    private static Process process;
    private static boolean failed;

    private Guardian() {}

    /**
     * Starts the guardian for the daemon's cgroup {@code daemonGroup}, before this JVM moves into it
     * (the guardian must stay outside what it kills). Called once, by {@link Containment}.
     *
     * @return false if it could not start (then cgroups are not used)
     */
    static boolean startFor(Path daemonGroup) {
        LOCK.lock();
        try {
            if (pipe != null) return false; // started without the cgroup: too late to kill it
            pipe = start(daemonGroup);
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            LOCK.unlock();
        }
    }

    /** Registers the process group led by {@code pgid}. */
    static void watch(long pgid) {
        // With cgroups the guardian kills the daemon's whole cgroup, which holds every group we start:
        // a registry of groups would only cost a pipe write per spawn and per exit.
        if (Containment.mode() == Containment.Mode.CGROUP) return;
        send("+" + pgid + "\n");
    }

    /** The group led by {@code pgid} is gone (stopped, swept): never kill that number later. */
    static void forget(long pgid) {
        if (Containment.mode() == Containment.Mode.CGROUP) return; // never registered: see watch
        send("-" + pgid + "\n");
    }

    /**
     * Has the guardian send SIGTERM ({@code kill = false}) or SIGKILL to the whole group
     * {@code pgid}: one atomic kill(2) on the group, where Java alone could only read /proc for the
     * members and signal them one by one. Asynchronous: it happens once the guardian reads the line.
     *
     * @return false when the guardian is not available (the caller must signal members itself)
     */
    static boolean signalGroup(long pgid, boolean kill) {
        return send((kill ? "K" : "T") + pgid + "\n");
    }

    private static boolean send(String message) {
        // Outside the lock: deciding may start the guardian (startFor takes the lock on another thread).
        Containment.mode();
        LOCK.lock();
        try {
            if (failed) return false;
            if (pipe == null) pipe = start(null);
            pipe.write(message.getBytes(StandardCharsets.US_ASCII));
            pipe.flush();
            return true;
        } catch (IOException e) {
            failed = true;
            LOG.warn("the orphan guardian is gone ({}); grandchildren of supervised processes may outlive a killed JVM", e.toString());
            return false;
        } finally {
            LOCK.unlock();
        }
    }

    /** Called with LOCK held: the one start, serialised with every write. */
    private static OutputStream start(Path daemonGroup) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of("setsid", "--", "sh", "-c", SCRIPT, NAME));
        if (daemonGroup != null) command.add(daemonGroup.toString());
        Process guardian = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        process = guardian;
        Runtime.getRuntime().addShutdownHook(new Thread(Guardian::finish, "pooly-guardian-finish"));
        return guardian.getOutputStream();
    }

    /**
     * At a JVM exit that runs shutdown hooks (a clean exit, SIGTERM; never SIGKILL), hands the guardian
     * its EOF now and waits for it, so that when this JVM is gone nothing it started is left, not even
     * the guardian (a container's init, or a test listing survivors, would otherwise see it for a few
     * milliseconds). With cgroups this JVM first leaves the daemon's cgroup, whose {@code cgroup.kill}
     * would otherwise end the exit it is in the middle of.
     */
    private static void finish() {
        Process guardian;
        LOCK.lock();
        try {
            // Under the lock, so that no write races the close: later senders see failed and fall back.
            guardian = process;
            if (guardian == null || failed) return;
            failed = true;
        } finally {
            LOCK.unlock();
        }
        Containment.leaveDaemonGroup();
        try {
            pipe.close();
            guardian.waitFor(3, java.util.concurrent.TimeUnit.SECONDS);
        } catch (IOException e) {
            // The guardian is gone already: nothing to wait for.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
