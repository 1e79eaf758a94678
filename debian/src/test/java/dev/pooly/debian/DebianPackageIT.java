package dev.pooly.debian;

import com.github.dockerjava.api.DockerClient;
import dev.pooly.testcontainers.DpkgImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.images.builder.ImageFromDockerfile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The package as an administrator meets it: target/pooly_VERSION_all.deb installed with the real
 * {@code dpkg} into a container (a {@link DpkgImage}, built locally from this machine's dpkg and
 * tools, no registry), then used and removed as the docs say.
 *
 * <p>The Java runtime it depends on is a real package too, not a forced dependency: a small
 * {@code .deb} of a runtime jlinked from the JDK running this test, which installs it under
 * {@code /usr/lib/jvm} and {@code Provides: java-runtime-headless (= N)} as Debian's
 * {@code openjdk-N-jre-headless} does ({@link DpkgImage#javaRuntimePackage()}). No systemd runs in
 * the container, so the daemon is started by hand, in the unit's directories; the unit itself is
 * checked by SystemdUnitTest and {@code systemd-analyze verify}.
 */
@ExtendWith(DockerRequired.class)
class DebianPackageIT {
    private static final String CONFIG = "/etc/pooly/pooly.yaml";
    private static final Duration PATIENCE = Duration.ofSeconds(90);
    /** What the package installs besides its conffile. */
    private static final List<String> FILES = List.of("/usr/bin/pooly", "/usr/share/pooly/bin/pooly", "/usr/share/pooly/lib/pooly.jar",
            "/usr/share/pooly/pooly.schema.json", "/usr/share/man/man1/pooly.1.gz", "/usr/share/man/man1/pooly-call.1.gz",
            "/usr/share/bash-completion/completions/pooly", "/lib/systemd/system/pooly.service", "/usr/share/doc/pooly/copyright",
            "/usr/share/doc/pooly/changelog.gz");

    private static Path deb;
    private static Path runtimeDeb;
    private static ImageFromDockerfile image;
    private static GenericContainer<?> box;

    @BeforeAll
    static void startABoxWithTheTwoPackages() throws IOException {
        deb = PackageFile.find();
        runtimeDeb = DpkgImage.javaRuntimePackage();
        image = DpkgImage.withPackages(runtimeDeb, deb).build();
        box = new GenericContainer<>(image)
                .withCommand("sleep", "infinity")
                // An init that reaps the daemon once it has exited (its parent, docker exec's shell, is gone by then).
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withInit(true));
        box.start();
    }

    @AfterAll
    static void removeTheBoxAndItsImage() throws Exception {
        if (box != null) box.stop();
        // Without Ryuk nothing removes the image at exit.
        if (image != null && image.isDone()) {
            DockerClient docker = DockerClientFactory.instance().client();
            docker.removeImageCmd(image.get()).withForce(true).exec();
        }
    }

    @Test
    void installsRunsTheDaemonAndRemovesAndPurgesAsDebianDoes() throws Exception {
        String pkg = DpkgImage.PACKAGES + "/" + deb.getFileName();
        String runtime = DpkgImage.PACKAGES + "/" + runtimeDeb.getFileName();

        // Without a Java runtime dpkg unpacks pooly but refuses to configure it, naming the dependency.
        ExecResult alone = sh("dpkg -i " + pkg);
        assertThat(alone.getExitCode()).as(alone.toString()).isEqualTo(1);
        assertThat(alone.getStderr()).contains("pooly depends on default-jre-headless (>= 2:1.21) | java-runtime-headless (>= 21)");
        // The runtime package satisfies it through its Provides, as openjdk-21/25-jre-headless do.
        ok("dpkg -i " + runtime + " && dpkg --configure -a");
        assertThat(ok("dpkg-query -W -f '${Status} ${Version}' pooly"))
                .isEqualTo("install ok installed " + DebianFiles.debianVersion(System.getProperty("pooly.version")));
        for (String file : FILES) ok("test -e " + file);
        assertThat(ok("readlink /usr/bin/pooly")).isEqualTo("../share/pooly/bin/pooly\n");
        assertThat(ok("cat /var/lib/dpkg/info/pooly.conffiles")).isEqualTo(CONFIG + "\n");

        // No JAVA_HOME and no java on PATH: the launcher finds the runtime under /usr/lib/jvm.
        assertThat(ok("command -v java || echo none")).isEqualTo("none\n");
        assertThat(ok("pooly --version")).contains(System.getProperty("pooly.version"));
        ok("pooly validate -c " + CONFIG);

        // The daemon as the unit runs it: its directories (RuntimeDirectory, StateDirectory, LogsDirectory), then a call.
        ok("mkdir -p /run/pooly /var/lib/pooly /var/log/pooly && cd /var/lib/pooly && "
                + "(setsid pooly daemon -c " + CONFIG + " </dev/null >/var/log/pooly/daemon.log 2>&1 &)");
        await().atMost(PATIENCE).until(() -> sh("pooly status -c " + CONFIG).getExitCode() == 0);
        assertThat(ok("pooly call upper 'hello from the package' -c " + CONFIG)).isEqualTo("HELLO FROM THE PACKAGE\n");
        ok("pooly shutdown -c " + CONFIG);
        await().atMost(PATIENCE).until(() -> sh("test -e /run/pooly/pooly.sock").getExitCode() != 0);
        assertThat(ok("cat /var/log/pooly/daemon.log")).doesNotContain("ERROR");

        // The administrator's edit of the conffile survives a reinstall and a remove.
        ok("echo '# edited by the administrator' >> " + CONFIG);
        ok("dpkg -i " + pkg);
        assertThat(ok("tail -n 1 " + CONFIG)).isEqualTo("# edited by the administrator\n");
        ok("dpkg -r pooly");
        for (String file : FILES) assertThat(sh("test -e " + file).getExitCode()).as("%s after dpkg -r", file).isEqualTo(1);
        assertThat(ok("test -d /usr/share/pooly || echo gone")).isEqualTo("gone\n");
        assertThat(ok("tail -n 1 " + CONFIG)).isEqualTo("# edited by the administrator\n");
        assertThat(ok("dpkg-query -W -f '${Status}' pooly")).isEqualTo("deinstall ok config-files");
        ok("test -d /var/lib/pooly && test -d /var/log/pooly");

        // Purge: the conffile, /etc/pooly, the state and the logs go, and dpkg forgets the package.
        ok("dpkg -P pooly");
        for (String gone : List.of(CONFIG, "/etc/pooly", "/var/lib/pooly", "/var/log/pooly")) {
            assertThat(sh("test -e " + gone).getExitCode()).as("%s after dpkg -P", gone).isEqualTo(1);
        }
        assertThat(sh("dpkg-query -W pooly").getExitCode()).isNotZero();

        // Forced in without any Java (dpkg --force-depends), the launcher says what is missing and where it looked.
        ok("dpkg -P " + ok("dpkg-deb -f " + runtime + " Package").strip());
        ok("dpkg -i --force-depends " + pkg);
        ExecResult noJava = sh("pooly --version");
        assertThat(noJava.getExitCode()).isEqualTo(1);
        assertThat(noJava.getStderr()).contains("no Java runtime >= 21").contains("/usr/lib/jvm").contains("openjdk-21-jre-headless");
        ok("dpkg -P pooly");
    }

    private static ExecResult sh(String script) throws IOException, InterruptedException {
        return box.execInContainer("sh", "-c", script);
    }

    /** Runs {@code script}, which must succeed; its stdout. */
    private static String ok(String script) throws IOException, InterruptedException {
        ExecResult result = sh(script);
        assertThat(result.getExitCode()).as("%s\nstdout: %s\nstderr: %s", script, result.getStdout(), result.getStderr()).isZero();
        return result.getStdout();
    }

    /** target/pooly_VERSION_all.deb, which the package phase built. */
    static final class PackageFile {
        static Path find() throws IOException {
            Path dir = Path.of(System.getProperty("pooly.deb.directory", "target"));
            try (Stream<Path> files = Files.list(dir)) {
                List<Path> debs = files.filter(p -> p.getFileName().toString().matches("pooly_.*_all\\.deb")).toList();
                assertThat(debs).as("one pooly_VERSION_all.deb in %s (mvn package builds it)", dir).hasSize(1);
                return debs.getFirst();
            }
        }
    }
}
