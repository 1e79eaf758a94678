package dev.pooly.supervisor;

import dev.pooly.testing.Pids;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the JVM running a tree dies, even by SIGKILL (no shutdown hook runs), no process of the tree
 * survives it. We test this by running {@link OrphanTreeMain} in a child JVM, SIGKILLing that JVM and
 * watching the pids it printed.
 */
@EnabledOnOs(OS.LINUX)
class OrphanTest {

    @TempDir Path dir;

    record Spawned(List<Long> children, List<Long> grandchildren, List<Long> escapees, StringBuilder containment) {
        List<Long> all() {
            List<Long> all = new ArrayList<>(children);
            all.addAll(grandchildren);
            all.addAll(escapees);
            return all;
        }
    }

    @Test
    void supervisedProcessesDieWithAJvmKilledBySigkill() throws Exception {
        withKilledJvm(spawned -> {
            assertThat(spawned.children()).hasSize(5);
            Pids.awaitDead(spawned.children());
        });
    }

    @Test
    void grandchildrenOfSupervisedProcessesDieWithAJvmKilledBySigkill() throws Exception {
        withKilledJvm(spawned -> {
            assertThat(spawned.grandchildren()).hasSize(2);
            Pids.awaitDead(spawned.grandchildren());
        });
    }

    /**
     * A {@code setsid()} descendant and a double-forked one, of a process and of a pool worker: only
     * a cgroup holds them once the JVM is gone (the guardian kills the daemon's cgroup). Session
     * tracking cannot promise this, and says so (see the internal package docs).
     */
    @Test
    void escapedDescendantsDieWithAJvmKilledBySigkillWhereCgroupsAreInForce() throws Exception {
        withKilledJvm(spawned -> {
            assertThat(spawned.escapees()).hasSize(4);
            org.junit.jupiter.api.Assumptions.assumeTrue(spawned.containment().toString().equals("cgroup"),
                    "session tracking does not promise this");
            Pids.awaitDead(spawned.escapees());
        });
    }

    interface Check {
        void verify(Spawned spawned) throws Exception;
    }

    private void withKilledJvm(Check check) throws Exception {
        Path stderr = dir.resolve("jvm.err");
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                "--enable-native-access=ALL-UNNAMED", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
        for (String p : List.of("pooly.containment", "pooly.launcher")) {
            if (System.getProperty(p) != null) command.add("-D" + p + "=" + System.getProperty(p));
        }
        command.addAll(List.of(OrphanTreeMain.class.getName(), dir.toString()));
        Process jvm = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        Spawned spawned = new Spawned(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new StringBuilder());
        try {
            CompletableFuture<Void> ready = CompletableFuture.runAsync(() -> read(jvm, spawned));
            try {
                ready.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("the tree JVM did not come up; its stderr: " + Files.readString(stderr), e);
            }
            assertThat(Pids.alive(spawned.all())).containsExactlyInAnyOrderElementsOf(spawned.all());

            jvm.destroyForcibly();
            assertThat(jvm.waitFor(5, TimeUnit.SECONDS)).isTrue();

            check.verify(spawned);
        } finally {
            jvm.destroyForcibly();
            spawned.all().forEach(Pids::sigkill);
        }
    }

    private static void read(Process jvm, Spawned into) {
        try {
            var in = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.equals("READY")) return;
                String[] word = line.split(" ");
                if (word[0].equals("CHILD")) into.children().add(Long.parseLong(word[1]));
                if (word[0].equals("GRANDCHILD")) into.grandchildren().add(Long.parseLong(word[1]));
                if (word[0].equals("ESCAPEE")) into.escapees().add(Long.parseLong(word[1]));
                if (word[0].equals("CONTAINMENT")) into.containment().append(word[1]);
            }
            throw new IllegalStateException("the tree JVM ended before it was ready");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
