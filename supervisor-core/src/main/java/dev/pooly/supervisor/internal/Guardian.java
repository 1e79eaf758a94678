package dev.pooly.supervisor.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Kills the process groups of supervised processes when this JVM dies, even by SIGKILL.
 *
 * <p>{@code setpriv --pdeathsig KILL} takes care of each direct child, but not of what the child
 * started (a shell's background jobs, a server's workers): the death signal is not inherited. So
 * one small {@code sh} per JVM, in a session of its own and without a death signal, is told every
 * process group we start ({@code +PGID}) and every group that is gone ({@code -PGID}) over its
 * stdin; it also delivers group signals for stops ({@code T}/{@code K} PGID). That pipe's only writer is this JVM (the JDK closes other descriptors in children), so the
 * guardian reads EOF exactly when the JVM is gone, and then SIGKILLs every group still registered
 * ({@code kill -9 -PGID}: dash's builtin takes no {@code --}).
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
            for p in $groups; do kill -9 "-$p" 2>/dev/null; done
            """;

    private static final ReentrantLock LOCK = new ReentrantLock();
    private static OutputStream pipe;
    private static boolean failed;

    private Guardian() {}

    /** Registers the process group led by {@code pgid}. */
    static void watch(long pgid) {
        send("+" + pgid + "\n");
    }

    /** The group led by {@code pgid} is gone (stopped, swept): never kill that number later. */
    static void forget(long pgid) {
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
        LOCK.lock();
        try {
            if (failed) return false;
            if (pipe == null) pipe = start();
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

    private static OutputStream start() throws IOException {
        Launcher.Exec exec = new Launcher.Exec();
        exec.command(List.of("setsid", "--", "sh", "-c", SCRIPT, NAME));
        exec.redirectErrorStream(false);
        exec.streams(new Launcher.RawStreams());
        Process guardian = exec.launch();
        guardian.getInputStream().close();
        guardian.getErrorStream().close();
        return guardian.getOutputStream();
    }
}
