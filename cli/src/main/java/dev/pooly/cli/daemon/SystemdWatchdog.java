package dev.pooly.cli.daemon;

import dev.pooly.supervisor.Supervisor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Sends {@code WATCHDOG=1} every half of {@code WATCHDOG_USEC}, but only after a probe showed the
 * daemon answers: the root supervisor's actor takes a {@link Supervisor#ping()} from its mailbox, and
 * the control server answers {@code {"op":"ping"}} on its socket, each within a quarter of
 * {@code WATCHDOG_USEC}. A daemon whose actor or control server hangs (a deadlock, a stuck request, a
 * SIGSTOP) sends nothing, and systemd restarts it after {@code WatchdogSec=}.
 *
 * <p>Timing: probes start on a fixed schedule (every half interval) and end within a quarter, so two
 * pings are never more than three quarters of the interval apart while the daemon answers.
 *
 * <p>One platform thread, {@code pooly-watchdog}, which is the only one touching this object's state
 * after {@link #start}; {@link #close} interrupts it and it ends.
 */
final class SystemdWatchdog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("pooly.systemd");
    private static final byte[] PING = "{\"op\":\"ping\"}\n".getBytes(StandardCharsets.UTF_8);

    private final Systemd systemd;
    private final Supervisor root;
    private final Path controlSocket;
    private final Supplier<String> summary;
    private final Duration period;
    private final Duration probeTimeout;
    private final Thread thread;

    private SystemdWatchdog(Systemd systemd, Duration interval, Supervisor root, Path controlSocket, Supplier<String> summary) {
        this.systemd = systemd;
        this.root = root;
        this.controlSocket = controlSocket;
        this.summary = summary;
        this.period = interval.dividedBy(2);
        this.probeTimeout = interval.dividedBy(4);
        this.thread = Thread.ofPlatform().name("pooly-watchdog").daemon(true).unstarted(this::run);
    }

    /** Starts pinging if systemd asked for a watchdog; else returns null. {@code summary} is the STATUS= line once healthy again. */
    static SystemdWatchdog start(Systemd systemd, Supervisor root, Path controlSocket, Supplier<String> summary) {
        var interval = systemd.watchdog();
        if (interval.isEmpty()) return null;
        SystemdWatchdog watchdog = new SystemdWatchdog(systemd, interval.get(), root, controlSocket, summary);
        LOG.info("systemd watchdog: WATCHDOG_USEC={} ms; pinging every {} ms while the supervisor and the control socket answer",
                interval.get().toMillis(), watchdog.period.toMillis());
        watchdog.thread.start();
        return watchdog;
    }

    private void run() {
        long next = System.nanoTime();
        String failing = null; // why the last probe failed, or null while healthy
        while (!Thread.currentThread().isInterrupted()) {
            String problem = probe();
            if (problem == null) {
                if (failing != null) {
                    // STATUS= first: the ping that follows is the first of the healthy run.
                    LOG.info("systemd watchdog: the daemon answers again; pinging");
                    systemd.status(summary.get());
                }
                systemd.watchdogPing();
            } else if (!problem.equals(failing)) {
                LOG.warn("systemd watchdog: {}; not pinging (systemd restarts the daemon after WatchdogSec=)", problem);
                systemd.status("unhealthy: " + problem);
            }
            failing = problem;
            next += period.toNanos();
            long wait = next - System.nanoTime();
            if (wait < 0) next = System.nanoTime(); // we were stopped (SIGSTOP, a long pause): start afresh
            try {
                if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Null when both answer in time, else what did not. */
    private String probe() {
        long deadline = System.nanoTime() + probeTimeout.toNanos();
        try {
            root.ping().get(probeTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return "the root supervisor's actor did not answer within " + probeTimeout.toMillis() + " ms";
        } catch (ExecutionException e) {
            return "the root supervisor does not answer: " + e.getCause().getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
        long left = Math.max(1, deadline - System.nanoTime());
        CompletableFuture<String> reply = new CompletableFuture<>();
        Thread exchange = Threads.startVirtual("pooly-watchdog-probe", () -> {
            try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                c.connect(UnixDomainSocketAddress.of(controlSocket));
                c.write(ByteBuffer.wrap(PING));
                reply.complete(new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8)).readLine());
            } catch (IOException | RuntimeException e) {
                reply.completeExceptionally(e);
            }
        });
        try {
            String line = reply.get(left, TimeUnit.NANOSECONDS);
            if (line == null || !line.contains("\"ok\":true")) return "the control socket answered a ping with " + line;
            return null;
        } catch (TimeoutException e) {
            exchange.interrupt(); // closes the channel (interruptible), so the probe thread ends
            return "the control socket did not answer a ping within " + probeTimeout.toMillis() + " ms";
        } catch (ExecutionException e) {
            return "the control socket does not answer: " + e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    @Override public void close() {
        thread.interrupt();
    }
}
