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

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Kubernetes sidecar shape (deploy/kubernetes/pooly-sidecar.yaml) on a real engine: the daemon
 * in one container, an "application" in another, the control socket shared through a Docker volume
 * (the pod's emptyDir) and nothing else; the application's calls are served by the daemon's pool.
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
        try (GenericContainer<?> app = new GenericContainer<>(TestPooly.image())
                .withNetworkMode("none")
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withBinds(new Bind(volume, new Volume(SOCKET_DIR))))
                .withCommand("sh", "-c", "for i in 1 2 3; do pooly call upper \"hello $i\" -s " + SOCKET_DIR + "/pooly.sock || exit $?; done")
                .withLogConsumer(new Slf4jLogConsumer(LoggerFactory.getLogger("pooly.container.app")))
                .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(Duration.ofSeconds(120)))) {
            app.start(); // returns once the application exited 0, else throws with its logs

            assertThat(app.getLogs(org.testcontainers.containers.output.OutputFrame.OutputType.STDOUT).lines())
                    .containsExactly("HELLO 1", "HELLO 2", "HELLO 3");
        }
        assertThat(daemon.status().pool("upper").idle()).isEqualTo(2);
    }

    private static Bind[] with(Bind[] binds, Bind more) {
        List<Bind> all = new ArrayList<>(binds == null ? List.of() : Arrays.asList(binds));
        all.add(more);
        return all.toArray(Bind[]::new);
    }
}
