package dev.pooly.cli;

import dev.pooly.cli.NotifyReceiver.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.pooly.cli.DaemonProcess.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The daemon's sd_notify messages as systemd would receive them. We test this by binding a real
 * AF_UNIX datagram socket (python3 reads it, {@link NotifyReceiver}), starting a real daemon with
 * {@code NOTIFY_SOCKET} (and {@code WATCHDOG_USEC}) naming it, and driving the daemon from outside:
 * {@code pooly reload}, SIGHUP with a broken config, SIGTERM while a lease is open, a stop that keeps
 * the root supervisor's actor busy, SIGSTOP and SIGCONT.
 */
class SystemdNotifyIT {
    static final String TREE = """
            version: 1
            control: {socket: pooly.sock}
            logs: {dir: logs}
            shutdown: {drain: 30s}
            supervisor:
              children:
                - process: {id: a, command: [sleep, "100000"]}
                - pool: {name: echo, command: [cat], size: 2}
            """;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;
    private DaemonProcess daemon;
    private NotifyReceiver systemd;

    @AfterEach
    void stop() {
        if (daemon != null) daemon.close();
        if (systemd != null) systemd.close();
    }

    @Test
    void readyReloadingAndStoppingArriveInOrderAndABrokenReloadKeepsTheTreeAndSaysWhy() throws Exception {
        systemd = NotifyReceiver.bind(dir.resolve("notify.sock").toString());
        daemon = DaemonProcess.launch(DaemonProcess.writeConfig(dir, TREE), Map.of("NOTIFY_SOCKET", systemd.address()));

        await().failFast("the daemon exited", () -> !daemon.isRunning()).until(() -> !systemd.with("READY=1").isEmpty());
        // READY=1 comes once the control socket listens: the status answers at once, without waiting.
        assertThat(daemon.status()).as("status right after READY=1").isNotNull();
        Message ready = systemd.lifecycle().getFirst();
        assertThat(ready.has("READY=1")).as("first message %s", ready).isTrue();
        assertThat(ready.get("STATUS")).startsWith("running: 2 children, 1 pools").endsWith("control socket " + daemon.socket());

        // A good reload: RELOADING=1 with the monotonic time of the request, then READY=1 saying what changed.
        DaemonProcess.writeConfig(dir, TREE + "    - process: {id: b, command: [sleep, \"100000\"]}\n");
        assertThat(daemon.cli("reload").exit()).isZero();
        await().until(() -> systemd.with("READY=1").size() == 2);
        List<Message> events = systemd.lifecycle();
        Message reloading = events.get(1);
        assertThat(reloading.has("RELOADING=1")).as("%s", events).isTrue();
        long sent = Long.parseLong(reloading.get("MONOTONIC_USEC"));
        assertThat(sent).as("MONOTONIC_USEC is CLOCK_MONOTONIC, read before it was sent")
                .isLessThanOrEqualTo(reloading.atMicros()).isGreaterThan(reloading.atMicros() - 60_000_000L);
        assertThat(events.get(2).has("READY=1")).isTrue();
        assertThat(events.get(2).get("STATUS")).isEqualTo("reloaded (pooly reload): kept 2, started 1");

        // A broken config under SIGHUP (systemctl reload): the tree stays as it is, STATUS= names the problems.
        Map<String, Long> pids = daemon.pidsById();
        DaemonProcess.writeConfig(dir, TREE.replace("command: [cat]", "command: []"));
        ReloadIT.hangUp(daemon);
        await().until(() -> systemd.with("READY=1").size() == 3);
        events = systemd.lifecycle();
        assertThat(events.get(3).has("RELOADING=1")).as("%s", events).isTrue();
        assertThat(events.get(4).has("READY=1")).isTrue();
        assertThat(events.get(4).get("STATUS")).startsWith("reload (SIGHUP) refused, running tree kept: 1 problem(s): ")
                .containsPattern("pooly.yaml:8:\\d+: ");
        assertThat(daemon.pidsById()).isEqualTo(pids);
        // The client reads the config too (to find the socket): put the good one back.
        DaemonProcess.writeConfig(dir, TREE + "    - process: {id: b, command: [sleep, \"100000\"]}\n");

        // SIGTERM with a lease open: STOPPING=1 saying it drains, then the stop itself, then exit 0.
        DaemonProcess.Client holder = daemon.checkout("echo");
        holder.awaitLease();
        daemon.sigterm();
        await().until(() -> !systemd.with("STOPPING=1").isEmpty());
        Message stopping = systemd.with("STOPPING=1").getFirst();
        assertThat(stopping.get("STATUS")).isEqualTo("SIGTERM: draining, 1 open lease(s), up to 30000 ms");
        assertThat(holder.checkin()).isZero();
        assertThat(daemon.awaitExit()).isZero();
        events = systemd.lifecycle();
        assertThat(events).hasSize(7);
        assertThat(events.get(5)).isEqualTo(stopping);
        assertThat(events.get(6).text()).isEqualTo("STATUS=SIGTERM: stopping all children in reverse order");
        assertThat(daemon.log()).doesNotContain("sd_notify failed");
    }

    @Test
    void theWatchdogPingsOnlyWhileTheSupervisorAndTheControlSocketAnswer() throws Exception {
        // The abstract namespace, as systemd itself uses for NOTIFY_SOCKET in some setups.
        systemd = NotifyReceiver.bind("@pooly-notify-test-" + UUID.randomUUID());
        String yaml = """
                version: 1
                control: {socket: pooly.sock}
                logs: {dir: logs}
                supervisor:
                  children:
                    - process: {id: a, command: [sleep, "100000"]}
                    - process: {id: stubborn, command: [sh, -c, 'trap "" TERM; while :; do sleep 1; done'], shutdown: 8s}
                """;
        long watchdogMicros = 3_000_000;
        daemon = DaemonProcess.launch(DaemonProcess.writeConfig(dir, yaml),
                Map.of("NOTIFY_SOCKET", systemd.address(), "WATCHDOG_USEC", Long.toString(watchdogMicros)));

        // Healthy: pings, never further apart than WATCHDOG_USEC (systemd would kill the daemon).
        await().failFast("the daemon exited", () -> !daemon.isRunning()).until(() -> systemd.with("WATCHDOG=1").size() >= 3);
        assertThat(gaps(systemd.with("WATCHDOG=1"))).allSatisfy(gap -> assertThat(gap).isLessThan(watchdogMicros));
        assertThat(daemon.log()).contains("systemd watchdog: WATCHDOG_USEC=3000 ms; pinging every 1500 ms");

        // The root supervisor's actor busy (a stop waiting out an 8 s graceful shutdown): no pings, and STATUS= says why.
        DaemonProcess.Client stop = daemon.start("stop", "stubborn");
        await().until(() -> indexOf(systemd.messages(), "STATUS=unhealthy: the root supervisor's actor did not answer") >= 0);
        assertThat(stop.awaitExit()).isZero();
        // The first STATUS=running: is READY=1's; the one that matters is the last, sent when the actor answers again.
        await().until(() -> lastIndexOf(systemd.messages(), "STATUS=running: ") > indexOf(systemd.messages(), "STATUS=unhealthy"));
        List<Message> all = systemd.messages();
        int unhealthy = indexOf(all, "STATUS=unhealthy");
        int healthy = lastIndexOf(all, "STATUS=running: ");
        assertThat(all.subList(unhealthy, healthy)).noneMatch(m -> m.has("WATCHDOG=1"));
        assertThat(all.get(healthy).atMicros() - all.get(unhealthy).atMicros())
                .as("the actor was busy for most of the 8 s").isGreaterThan(watchdogMicros);
        await().until(() -> systemd.messages().size() > healthy + 1 && systemd.messages().getLast().has("WATCHDOG=1"));

        // SIGSTOP: a hung daemon sends nothing at all; SIGCONT: the pings come back; then it stops cleanly.
        assertThat(daemon.isRunning()).isTrue(); // the pid is still the daemon we started
        signal("STOP", daemon.pid());
        int before = systemd.messages().size();
        await().during(Duration.ofMillis(2 * watchdogMicros / 1000)).atMost(Duration.ofSeconds(30))
                .until(() -> systemd.messages().size() == before);
        signal("CONT", daemon.pid());
        await().until(() -> systemd.messages().size() > before && systemd.messages().getLast().has("WATCHDOG=1"));
        assertThat(daemon.terminate()).isZero();
        assertThat(systemd.with("STOPPING=1")).hasSize(1);
    }

    @Test
    void aNotifySocketThatIsARegularFileIsOneWarningAndTheDaemonRunsOn() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-socket"), "");
        daemon = DaemonProcess.launch(DaemonProcess.writeConfig(dir, TREE), Map.of("NOTIFY_SOCKET", file.toString()));
        await().failFast("the daemon exited", () -> !daemon.isRunning()).ignoreExceptions().until(() -> daemon.status() != null);
        assertThat(warnings(daemon.log())).containsExactly("NOTIFY_SOCKET=" + file + " is a regular file, not a socket; not notifying systemd (running on)");
        assertThat(daemon.cli("reload").exit()).isZero();
        assertThat(daemon.terminate()).isZero();
        assertThat(warnings(daemon.log())).hasSize(1);
    }

    @Test
    void aMissingNotifySocketIsOneWarningAndTheDaemonRunsOn() {
        Path missing = dir.resolve("gone.sock");
        daemon = DaemonProcess.launch(DaemonProcess.writeConfig(dir, TREE), Map.of("NOTIFY_SOCKET", missing.toString(), "WATCHDOG_USEC", "2000000"));
        await().failFast("the daemon exited", () -> !daemon.isRunning()).ignoreExceptions().until(() -> daemon.status() != null);
        assertThat(daemon.terminate()).isZero();
        assertThat(warnings(daemon.log())).containsExactly("NOTIFY_SOCKET=" + missing + " does not exist; not notifying systemd (running on)");
    }

    @Test
    void aWatchdogIntervalTooShortToHonourIsAWarningNamingIt() {
        systemd = NotifyReceiver.bind(dir.resolve("notify.sock").toString());
        daemon = DaemonProcess.launch(DaemonProcess.writeConfig(dir, TREE),
                Map.of("NOTIFY_SOCKET", systemd.address(), "WATCHDOG_USEC", "400000"));
        await().failFast("the daemon exited", () -> !daemon.isRunning()).until(() -> systemd.with("WATCHDOG=1").size() >= 2);
        // On a loaded machine a 100 ms probe may miss too (a warning of its own, which is the point of the
        // warning asserted here): only the interval's warning is counted.
        assertThat(warnings(daemon.log()).stream().filter(w -> w.startsWith("WATCHDOG_USEC=")).toList()).singleElement().asString()
                .startsWith("WATCHDOG_USEC=400000 (400 ms) is too short to honour").contains("pinging every 200 ms anyway");
        assertThat(daemon.terminate()).isZero();
    }

    private static List<Long> gaps(List<Message> pings) {
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < pings.size(); i++) gaps.add(pings.get(i).atMicros() - pings.get(i - 1).atMicros());
        return gaps;
    }

    private static int indexOf(List<Message> messages, String linePrefix) {
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i).text().lines().anyMatch(l -> l.startsWith(linePrefix))) return i;
        }
        return -1;
    }

    private static int lastIndexOf(List<Message> messages, String linePrefix) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).text().lines().anyMatch(l -> l.startsWith(linePrefix))) return i;
        }
        return -1;
    }

    /** The WARN lines of a daemon log, without the logger's prefix. */
    private static List<String> warnings(String log) {
        return log.lines().filter(l -> l.contains("WARN")).map(l -> l.substring(l.indexOf(" - ") + 3)).toList();
    }

    private static void signal(String name, long pid) throws IOException, InterruptedException {
        assertThat(new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start().waitFor()).isZero();
    }
}
