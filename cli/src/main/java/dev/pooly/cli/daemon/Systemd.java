package dev.pooly.cli.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The daemon's side of systemd's sd_notify protocol (docs/systemd.md), active when
 * {@code NOTIFY_SOCKET} is set: {@code READY=1} once the tree is up and the control socket listens,
 * {@code RELOADING=1} with {@code MONOTONIC_USEC=} and then {@code READY=1} around each reload,
 * {@code STOPPING=1} at shutdown, {@code STATUS=} with a one-line summary at each of these, and
 * {@code WATCHDOG=1} from {@link SystemdWatchdog} when {@code WATCHDOG_USEC} asks for it.
 *
 * <p>Never fatal: a {@code NOTIFY_SOCKET} that does not exist, is not a socket or cannot be sent to
 * (Java 21 has no FFM) is one WARN and the daemon runs on; later send failures are DEBUG.
 *
 * <p>Thread-safe: any thread may notify; {@link #reload} brackets one reload at a time.
 */
final class Systemd implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("pooly.systemd");
    /** Below this systemd would kill a healthy daemon over one GC pause or a busy CPU; we still try. */
    static final Duration SHORTEST_WATCHDOG = Duration.ofSeconds(1);
    /** systemd shows STATUS= in one line of {@code systemctl status}; more is noise. */
    private static final int STATUS_MAX = 400;

    private final NotifySocket socket;
    private final Duration watchdog;
    private final AtomicBoolean sendFailed = new AtomicBoolean();
    /**
     * One RELOADING=1 ... READY=1 bracket at a time: a SIGHUP and a {@code pooly reload} at once
     * would otherwise interleave, and systemd would take the first READY=1 as the end of both.
     */
    private final ReentrantLock reloads = new ReentrantLock();

    private Systemd(NotifySocket socket, Duration watchdog) {
        this.socket = socket;
        this.watchdog = watchdog;
    }

    /** From the daemon's environment ({@code NOTIFY_SOCKET}, {@code WATCHDOG_USEC}, {@code WATCHDOG_PID}). */
    static Systemd fromEnvironment(Map<String, String> env) {
        String address = env.get("NOTIFY_SOCKET");
        if (address == null || address.isEmpty()) return new Systemd(null, null);
        String problem = problemWith(address);
        if (problem != null) {
            LOG.warn("NOTIFY_SOCKET={} {}; not notifying systemd (running on)", address, problem);
            return new Systemd(null, null);
        }
        NotifySocket socket;
        try {
            socket = NotifySocket.open(address);
        } catch (IOException e) {
            LOG.warn("NOTIFY_SOCKET={}: {}; not notifying systemd (running on)", address, e.getMessage());
            return new Systemd(null, null);
        }
        return new Systemd(socket, watchdogInterval(env).orElse(null));
    }

    /** What is wrong with {@code address} before we try it, or null: only a path can be checked. */
    private static String problemWith(String address) {
        if (address.startsWith("@")) return address.length() > 1 ? null : "names no abstract socket";
        if (!address.startsWith("/")) return "is neither an absolute path nor an abstract address (@NAME)";
        Path path = Path.of(address);
        try {
            if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) return "does not exist";
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & 0170000) != 0140000) {
                return "is a " + (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) ? "directory"
                        : Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) ? "regular file" : "special file") + ", not a socket";
            }
            return null;
        } catch (IOException | UnsupportedOperationException e) {
            return "cannot be examined (" + e.getMessage() + ")";
        }
    }

    /**
     * {@code WATCHDOG_USEC}, when it is meant for this process ({@code WATCHDOG_PID} absent or ours);
     * a value that is not a positive number is a WARN and no watchdog; one below {@link #SHORTEST_WATCHDOG}
     * a WARN naming it, and the daemon still pings at half of it.
     */
    static Optional<Duration> watchdogInterval(Map<String, String> env) {
        String usec = env.get("WATCHDOG_USEC");
        if (usec == null || usec.isEmpty()) return Optional.empty();
        String pid = env.get("WATCHDOG_PID");
        if (pid != null && !pid.isEmpty() && !pid.equals(Long.toString(ProcessHandle.current().pid()))) {
            LOG.debug("WATCHDOG_PID={} is not this process ({}); no watchdog", pid, ProcessHandle.current().pid());
            return Optional.empty();
        }
        long micros;
        try {
            micros = Long.parseLong(usec.trim());
        } catch (NumberFormatException e) {
            micros = -1;
        }
        if (micros <= 0) {
            LOG.warn("WATCHDOG_USEC={} is not a positive number of microseconds; not pinging the systemd watchdog", usec);
            return Optional.empty();
        }
        Duration interval = Duration.ofNanos(Math.multiplyExact(micros, 1000L));
        if (interval.compareTo(SHORTEST_WATCHDOG) < 0) {
            LOG.warn("WATCHDOG_USEC={} ({} ms) is too short to honour: one GC pause or a busy CPU and systemd kills a "
                    + "healthy daemon; pinging every {} ms anyway (set WatchdogSec= to {}s or more)",
                    usec, interval.toMillis(), interval.toMillis() / 2, SHORTEST_WATCHDOG.toSeconds());
        }
        return Optional.of(interval);
    }

    /** Whether messages go anywhere. */
    boolean enabled() { return socket != null; }

    /** {@code WATCHDOG_USEC} when systemd expects {@code WATCHDOG=1} from us, else empty. */
    Optional<Duration> watchdog() { return Optional.ofNullable(socket == null ? null : watchdog); }

    /** The tree is up and the control socket listens (also: a reload is over). */
    void ready(String status) { send("READY=1\nSTATUS=" + oneLine(status)); }

    void status(String status) { send("STATUS=" + oneLine(status)); }

    void stopping(String status) { send("STOPPING=1\nSTATUS=" + oneLine(status)); }

    /** The watchdog's keep-alive; only {@link SystemdWatchdog} sends it, and only after a probe answered. */
    void watchdogPing() { send("WATCHDOG=1"); }

    /**
     * Runs one reload between {@code RELOADING=1} (with {@code MONOTONIC_USEC=}, which systemd 253+
     * requires to match the reload to its request) and {@code READY=1} with {@code STATUS=} saying what
     * it did or, for a config with problems, that the running tree is kept and what the problems are.
     */
    <T extends JsonNode> T reload(String cause, Supplier<T> reload, Function<T, String> summary) {
        if (socket == null) return reload.get();
        reloads.lock();
        try {
            send("RELOADING=1\nMONOTONIC_USEC=" + socket.monotonicMicros() + "\nSTATUS=" + oneLine("reloading (" + cause + ")"));
            T reply = null;
            try {
                reply = reload.get();
                return reply;
            } finally {
                ready(reply == null ? "reload (" + cause + ") failed; see the log" : summary.apply(reply));
            }
        } finally {
            reloads.unlock();
        }
    }

    /** The STATUS= line for a reload's reply (the control protocol's {@code reload} answer). */
    static String reloadStatus(String cause, JsonNode reply) {
        if (reply.path("ok").asBoolean(false)) {
            List<String> parts = new ArrayList<>();
            for (String kind : List.of("kept", "started", "stopped", "restarted", "changed", "rolled")) {
                int n = reply.path(kind).size();
                if (n > 0) parts.add(kind + " " + n);
            }
            return "reloaded (" + cause + "): " + (parts.isEmpty() ? "nothing to do" : String.join(", ", parts));
        }
        JsonNode problems = reply.path("problems");
        if (problems.isArray() && !problems.isEmpty()) {
            List<String> list = new ArrayList<>();
            problems.forEach(p -> list.add(p.asText()));
            return "reload (" + cause + ") refused, running tree kept: " + list.size() + " problem(s): " + String.join("; ", list);
        }
        return "reload (" + cause + ") applied with failures: " + reply.path("error").asText("");
    }

    private void send(String message) {
        if (socket == null) return;
        try {
            socket.send(message);
        } catch (IOException | RuntimeException e) {
            // The first failure is news (systemd went away, a wrong socket); the same again every ping is not.
            if (sendFailed.compareAndSet(false, true)) LOG.warn("sd_notify failed: {} (further failures are logged at debug)", e.getMessage());
            else LOG.debug("sd_notify failed: {}", e.getMessage());
        }
    }

    private static String oneLine(String s) {
        String line = s.replace('\n', ' ').replace('\r', ' ');
        return line.length() <= STATUS_MAX ? line : line.substring(0, STATUS_MAX - 3) + "...";
    }

    @Override public void close() {
        if (socket != null) socket.close();
    }
}
