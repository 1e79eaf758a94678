package dev.pooly.testcontainers;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.images.builder.ImageFromDockerfile;
import dev.pooly.testcontainers.internal.RootFilesystem;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Kubernetes sidecar shape (deploy/kubernetes/pooly-sidecar.yaml) on a real engine: the daemon
 * in one container, an "application" in another, the sockets shared through a Docker volume (the
 * pod's emptyDir) and nothing else; the application's calls are served by the daemon's pool, through
 * {@code pooly call} on the control socket, or with curl on the HTTP API's socket from an image
 * without a JVM.
 */
@ExtendWith(DockerRequired.class)
class SidecarIT {
    private static final String SOCKET_DIR = "/run/pooly";

    private final DockerClient docker = DockerClientFactory.instance().client();
    private final String volume = "pooly-sidecar-" + UUID.randomUUID();
    private PoolyContainer daemon;

    @BeforeEach
    void startTheDaemonWithItsSocketInASharedVolume() {
        docker.createVolumeCmd().withName(volume).exec();
        daemon = TestPooly.container("sidecar.yaml").withCreateContainerCmdModifier(cmd ->
                cmd.getHostConfig().withBinds(with(cmd.getHostConfig().getBinds(), new Bind(volume, new Volume(SOCKET_DIR)))));
        daemon.start();
        await().atMost(Duration.ofSeconds(90)).until(() -> daemon.status().pool("upper").idle() == 2);
    }

    @AfterEach
    void removeTheContainersAndTheVolume() {
        try {
            if (daemon != null) daemon.stop();
        } finally {
            docker.removeVolumeCmd(volume).exec();
        }
    }

    @Test
    void anApplicationContainerCallsThePoolThroughTheSocketInTheSharedVolume() {
        runApplication(new GenericContainer<>(TestPooly.image()), "pooly.container.app",
                "for i in 1 2 3; do pooly call upper \"hello $i\" -s " + SOCKET_DIR + "/pooly.sock || exit $?; done");
    }

    /**
     * An application that is not a JVM: an image of its own, FROM scratch, with only {@code sh} and
     * {@code curl} and their libraries (no Java at all), calling the pool over the HTTP API's socket in
     * the shared volume, as docs/http.md's curl example does.
     */
    @Test
    void anApplicationWithoutAJvmCallsThePoolOverHttpThroughTheSharedSocket() {
        ImageFromDockerfile curlImage = new ImageFromDockerfile("localhost/pooly-testcontainers-curl-app:latest", true)
                .withFileFromString("Dockerfile", "FROM scratch\nCOPY rootfs/ /\nENV PATH=/usr/bin\n")
                .withFileFromTransferable("rootfs", new PoolyImage.LazyRootFilesystem(() -> programsOnly("sh", "curl")));
        runApplication(new GenericContainer<>(curlImage), "pooly.container.curl-app",
                "if [ -e /usr/bin/java ] || [ -d /opt/java ]; then echo 'a JVM in the app image'; exit 3; fi;"
                        + " for i in 1 2 3; do curl -sS --fail-with-body --unix-socket " + SOCKET_DIR + "/pooly-http.sock"
                        + " --data-binary \"hello $i\" http://localhost/v1/pools/upper/call || exit $?; done");
    }

    /**
     * Runs {@code script} in {@code app} (no network, the shared volume mounted) to its end: it must
     * exit 0 having printed the pool's three answers, and the pool must be back at rest.
     */
    private void runApplication(GenericContainer<?> app, String logger, String script) {
        try (app) {
            app.withNetworkMode("none")
                    .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withBinds(new Bind(volume, new Volume(SOCKET_DIR))))
                    .withCommand("sh", "-c", script)
                    .withLogConsumer(new Slf4jLogConsumer(LoggerFactory.getLogger(logger)))
                    .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(Duration.ofSeconds(120)));
            app.start(); // returns once the application exited 0, else throws with its logs

            assertThat(app.getLogs(org.testcontainers.containers.output.OutputFrame.OutputType.STDOUT).lines())
                    .containsExactly("HELLO 1", "HELLO 2", "HELLO 3");
        }
        assertThat(daemon.status().pool("upper").idle()).isEqualTo(2);
    }

    /** A root filesystem of this machine's {@code programs} in /usr/bin with their shared libraries, and nothing else. */
    private static RootFilesystem programsOnly(String... programs) {
        List<RootFilesystem.Entry> entries = new ArrayList<>();
        java.util.Set<String> directories = new java.util.LinkedHashSet<>(List.of("usr", "usr/bin", "usr/lib", "usr/lib64", "tmp"));
        for (String dir : directories) entries.add(new RootFilesystem.Directory(dir, 0755));
        for (String merged : List.of("bin", "lib", "lib64")) entries.add(new RootFilesystem.Symlink(merged, "usr/" + merged));
        RootFilesystem.addPrograms(entries, directories, List.of(programs), java.util.Set.of());
        return new RootFilesystem(entries);
    }

    private static Bind[] with(Bind[] binds, Bind more) {
        List<Bind> all = new ArrayList<>(binds == null ? List.of() : Arrays.asList(binds));
        all.add(more);
        return all.toArray(Bind[]::new);
    }
}
