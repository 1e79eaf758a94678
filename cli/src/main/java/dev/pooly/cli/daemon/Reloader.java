package dev.pooly.cli.daemon;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pooly.cli.ExitCode;
import dev.pooly.config.ConfigException;
import dev.pooly.config.ConfigLoader;
import dev.pooly.config.ConfigProblem;
import dev.pooly.config.PoolyConfig;
import dev.pooly.pool.Pool;
import dev.pooly.supervisor.Supervisor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code pooly reload} and SIGHUP: re-reads the daemon's config file and applies the difference
 * ({@link ConfigDiff}) to the running tree. A file with any problem changes nothing: the reply carries
 * every problem as {@code FILE:LINE:COLUMN: message} (exit 65) and the daemon logs them and runs on.
 *
 * <p>Thread-safety: reloads are serialised by one lock (a SIGHUP and a {@code pooly reload} at the
 * same moment apply one after the other, each against the config the other left); the lock is held
 * for the whole reload, which waits for processes to stop and start. Only reload threads take it, so
 * no request path (status, lease, call) ever waits on it. Interrupt: a reload is not interruptible
 * once it applies changes; it runs to its end so the tree and {@link #running()} agree.
 */
public final class Reloader {
    private static final Logger LOG = LoggerFactory.getLogger("pooly.reload");

    private final Supervisor root;
    private final PoolTable pools;
    /** Serialises reloads (see the class comment): two reloads diffing against the same old config would apply twice. */
    private final ReentrantLock lock = new ReentrantLock();
    private volatile PoolyConfig running;

    /** @param pools the daemon's live pool table, which a reload updates (added and removed pools) */
    Reloader(PoolyConfig running, Supervisor root, PoolTable pools) {
        this.running = running;
        this.root = root;
        this.pools = pools;
    }

    public PoolyConfig running() { return running; }

    /** Reloads; returns the reply for the control protocol (also logged, for SIGHUP). */
    public ObjectNode reload(String cause) {
        lock.lock();
        try {
            return reloadLocked(cause);
        } finally {
            lock.unlock();
        }
    }

    private ObjectNode reloadLocked(String cause) {
        PoolyConfig current = running;
        PoolyConfig next;
        try {
            next = ConfigLoader.load(current.file());
        } catch (ConfigException e) {
            return invalid(cause, e.problems().stream().map(ConfigProblem::toString).toList());
        } catch (IOException e) {
            return invalid(cause, List.of(current.file() + ":1:1: cannot read the config: " + e.getMessage()));
        }
        ConfigDiff diff = ConfigDiff.of(current, next);
        List<String> unsupported = new ArrayList<>();
        for (ConfigDiff.Change c : diff.changes()) {
            if (c.kind() != ConfigDiff.Kind.KEPT) unsupported.add(c.kind().name().toLowerCase(Locale.ROOT) + " " + c.id());
        }
        if (!unsupported.isEmpty()) {
            String message = "reload (" + cause + "): this daemon cannot yet apply " + String.join(", ", unsupported)
                    + "; nothing was changed";
            LOG.error("{}", message);
            return ControlServer.error(ExitCode.FAILURE, message);
        }
        running = next;
        ObjectNode reply = summary(diff);
        LOG.info("reload ({}): {}", cause, reply);
        return reply;
    }

    private static ObjectNode invalid(String cause, List<String> problems) {
        LOG.error("reload ({}): the config has {} problem(s); nothing was changed", cause, problems.size());
        for (String p : problems) LOG.error("  {}", p);
        ObjectNode reply = ControlServer.error(ExitCode.INVALID_CONFIG,
                "invalid config, nothing was changed:" + System.lineSeparator() + String.join(System.lineSeparator(), problems));
        ArrayNode list = reply.putArray("problems");
        problems.forEach(list::add);
        return reply;
    }

    static ObjectNode summary(ConfigDiff diff) {
        ObjectNode reply = ControlServer.ok();
        diff.byKind().forEach((kind, ids) -> {
            ArrayNode list = reply.putArray(kind.name().toLowerCase(Locale.ROOT));
            ids.forEach(list::add);
        });
        ArrayNode notes = reply.putArray("notes");
        diff.daemonOnly().forEach(notes::add);
        return reply;
    }
}
