package dev.pooly.cli;

import dev.pooly.config.ConfigLoader;
import dev.pooly.config.PoolyConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * deploy/systemd/ holds a unit and its example config that agree with each other and with the daemon:
 * the unit is what systemd itself accepts ({@code systemd-analyze verify}, where systemd is installed),
 * it waits for the daemon's READY=1, stops it gently for longer than the config drains, delegates the
 * cgroup subtree containment needs, and leaves out the hardening that would break supervision.
 */
class SystemdUnitTest {
    private static final Path DIR = Path.of("../deploy/systemd").toAbsolutePath().normalize();

    @Test
    void theUnitWaitsForReadyReloadsWithSighupAndStopsLongerThanTheExampleDrains() throws Exception {
        Map<String, String> unit = service();
        PoolyConfig config = ConfigLoader.load(Files.readString(DIR.resolve("pooly.yaml")), "deploy/systemd/pooly.yaml");

        assertThat(unit).containsEntry("Type", "notify").containsEntry("NotifyAccess", "main")
                .containsEntry("ExecReload", "/bin/kill -HUP $MAINPID")
                .containsEntry("KillMode", "mixed").containsEntry("Delegate", "yes");
        assertThat(unit.get("ExecStart")).isEqualTo("/usr/bin/pooly daemon -c /etc/pooly/pooly.yaml");
        assertThat(seconds(unit.get("TimeoutStopSec"))).isGreaterThan(config.drain());
        assertThat(config.socket()).isEqualTo(Path.of("/run", unit.get("RuntimeDirectory"), "pooly.sock"));
        // Each would break supervision: a read-only /sys/fs/cgroup (no containment), no JIT, no clone3/posix_spawn.
        assertThat(unit).doesNotContainKeys("ProtectControlGroups", "MemoryDenyWriteExecute", "SystemCallFilter");
    }

    @Test
    void systemdAcceptsTheUnit(@TempDir Path dir) throws Exception {
        assumeTrue(onPath("systemd-analyze"), "systemd-analyze is not installed");
        // verify checks that ExecStart's program exists: point it at this tree's launcher.
        Path launcher = Path.of("../bin/pooly").toAbsolutePath().normalize();
        Path copy = dir.resolve("pooly.service");
        Files.writeString(copy, Files.readString(DIR.resolve("pooly.service")).replace("/usr/bin/pooly", launcher.toString()));
        Process verify = new ProcessBuilder("systemd-analyze", "verify", "--man=no", copy.toString())
                .redirectErrorStream(true).start();
        assertThat(verify.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(verify.exitValue()).as(out).isZero();
        assertThat(out).as("warnings about the unit").doesNotContain("pooly.service:");
    }

    /** The [Service] section's settings (the last of a repeated key). */
    private static Map<String, String> service() throws IOException {
        Map<String, String> settings = new LinkedHashMap<>();
        boolean inService = false;
        for (String line : Files.readAllLines(DIR.resolve("pooly.service"))) {
            String t = line.strip();
            if (t.startsWith("[")) inService = t.equals("[Service]");
            else if (inService && !t.isEmpty() && !t.startsWith("#")) {
                int eq = t.indexOf('=');
                settings.put(t.substring(0, eq), t.substring(eq + 1));
            }
        }
        return settings;
    }

    private static Duration seconds(String value) {
        assertThat(value).matches("\\d+s");
        return Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1)));
    }

    private static boolean onPath(String program) {
        return List.of(System.getenv().getOrDefault("PATH", "").split(":")).stream()
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, program)));
    }
}
