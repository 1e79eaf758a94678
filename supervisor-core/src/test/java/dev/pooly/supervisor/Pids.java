package dev.pooly.supervisor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static java.time.Duration.ofMillis;
import static java.time.Duration.ofSeconds;

/**
 * Liveness of OS processes as the tests need it.
 *
 * <p>A zombie counts as dead here: on this machine pid 1 reaps orphans only every couple of seconds,
 * and {@link ProcessHandle#isAlive()} reports a zombie as alive, so a killed grandchild would look
 * alive for up to two seconds although it has stopped running.
 */
final class Pids {
    private Pids() {}

    static boolean alive(long pid) {
        if (pid <= 0) return false;
        boolean handleAlive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        return handleAlive && !zombie(pid);
    }

    static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static Set<Long> alive(Collection<Long> pids) {
        return pids.stream().filter(Pids::alive).collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    /** Waits (a few seconds at most) until none of {@code pids} runs; fails naming the survivors. */
    static void awaitDead(Collection<Long> pids) {
        await("processes " + pids + " to die").atMost(ofSeconds(5)).pollInterval(ofMillis(20))
                .untilAsserted(() -> org.assertj.core.api.Assertions.assertThat(alive(pids))
                        .as("still running").isEmpty());
    }

    static void awaitDead(long... pids) {
        awaitDead(java.util.Arrays.stream(pids).boxed().toList());
    }

    /** The running descendants of {@code pid}, deepest included. */
    static List<Long> descendants(long pid) {
        return ProcessHandle.of(pid).stream().flatMap(ProcessHandle::descendants)
                .map(ProcessHandle::pid).filter(Pids::alive).toList();
    }

    /** The running descendants of this JVM. */
    /** Live descendants of this JVM, except the orphan guardian, which lives as long as the JVM by design. */
    static Set<Long> ofThisJvm() {
        return ProcessHandle.current().descendants().filter(p -> !isGuardian(p)).map(ProcessHandle::pid).filter(Pids::alive)
                .collect(Collectors.toSet());
    }

    static boolean isGuardian(ProcessHandle p) {
        return p.info().arguments().map(args -> java.util.Arrays.asList(args).contains(
                dev.pooly.supervisor.internal.Guardian.NAME)).orElse(false);
    }

    static void sigkill(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    static void sigterm(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
    }
}
