package dev.pooly.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's first command from a source tree without the jar: {@code bin/pooly} builds it, then
 * runs the command, whose stderr must reach the user (it once ended the build with
 * {@code exec 9>&- 2>/dev/null}, which threw the command's stderr away for good). We test this with the
 * real launcher copied into a tree that has no {@code cli/target/pooly.jar} and an {@code mvn} first on
 * PATH that stands in for the 50 s build: it records its arguments and copies the jar this build made.
 */
class FirstRunIT {
    @TempDir Path tmp;

    @Test
    void theFirstRunBuildsTheJarAndTheCommandsStderrStillReachesTheUser() throws Exception {
        Path repo = Files.createDirectories(tmp.resolve("repo"));
        Path bin = Files.createDirectories(repo.resolve("bin"));
        Files.copy(Path.of("../bin/pooly"), bin.resolve("pooly"));
        Files.setPosixFilePermissions(bin.resolve("pooly"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path tools = Files.createDirectories(tmp.resolve("tools"));
        Path mvnArgs = tmp.resolve("mvn.args");
        Files.writeString(tools.resolve("mvn"), """
                #!/bin/sh
                printf '%%s\\n' "$*" > '%s'
                echo 'mvn: building (stand-in)' >&2
                mkdir -p cli/target && cp '%s' cli/target/pooly.jar
                """.formatted(mvnArgs, DaemonProcess.JAR));
        Files.setPosixFilePermissions(tools.resolve("mvn"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path bad = Files.writeString(tmp.resolve("bad.yaml"), """
                version: 1
                supervisor:
                  children:
                    - pool: {name: p, command: []}
                """);

        ProcessBuilder builder = new ProcessBuilder(bin.resolve("pooly").toString(), "validate", "-c", bad.toString())
                .directory(tmp.toFile()).redirectOutput(tmp.resolve("out").toFile()).redirectError(tmp.resolve("err").toFile());
        builder.environment().put("PATH", tools + ":" + System.getenv("PATH"));
        builder.environment().put("JAVA_HOME", Path.of(DaemonProcess.JAVA).getParent().getParent().toString());
        builder.environment().put("POOLY_CACHE_DIR", tmp.resolve("cache").toString());
        builder.environment().remove("POOLY_JAR");
        Process validate = builder.start();
        assertThat(validate.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String err = Files.readString(tmp.resolve("err"), StandardCharsets.UTF_8);

        assertThat(repo.resolve("cli/target/pooly.jar")).as("built on first use").exists();
        assertThat(Files.readString(mvnArgs)).contains("-Dstyle.color=never").contains("-pl cli -am package");
        assertThat(err).contains("pooly: cli/target/pooly.jar is missing, building it").contains("mvn: building (stand-in)");
        assertThat(validate.exitValue()).as(err).isEqualTo(65);
        assertThat(err).as("the command's own stderr, after the build").contains(bad + ":4:").contains("command is empty");
    }
}
