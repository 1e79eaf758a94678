package dev.pooly.testcontainers;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import dev.pooly.testcontainers.internal.DaemonReadyWaitStrategy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.images.builder.Transferable;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * deploy/kubernetes/Dockerfile, built as a user builds it: the build context holds exactly what the
 * Dockerfile copies, taken from this repository (its launcher, the jars this build made), and the
 * base is {@link PoolyImage#runtimeBase()} passed as {@code BASE}, where a user with a registry gets
 * {@code eclipse-temurin:25-jre}. The image then runs as pooly-sidecar.yaml runs it: its own
 * {@code ENTRYPOINT} and {@code CMD}, the config at {@code /etc/pooly/pooly.yaml}, its own user,
 * no init, the socket's directory a volume shared with an application container. Host networking
 * (loopback only: the probes' listener is bound to 127.0.0.1), since this engine has no bridge.
 */
@ExtendWith(DockerRequired.class)
class DockerfileIT {
    private static final Path REPOSITORY = Path.of(System.getProperty("pooly.repository", "..")).toAbsolutePath().normalize();
    private static final String DOCKERFILE = "deploy/kubernetes/Dockerfile";
    private static final String SOCKET = "/run/pooly/pooly.sock";
    /** docker stop's grace period; a daemon that never saw the SIGTERM would be SIGKILLed after it (exit 137). */
    private static final int GRACE_SECONDS = 60;

    private static String base;
    private static ImageFromDockerfile image;

    @BeforeAll
    static void buildTheDockerfileOnTheLocalBase() throws IOException {
        base = PoolyImage.runtimeBase().get();
        image = new ImageFromDockerfile("localhost/pooly-testcontainers-dockerfile:" + UUID.randomUUID(), false)
                .withDockerfilePath(DOCKERFILE)
                .withFileFromPath(DOCKERFILE, REPOSITORY.resolve(DOCKERFILE))
                .withBuildArg("BASE", base);
        for (String source : copySources(Files.readAllLines(REPOSITORY.resolve(DOCKERFILE)))) {
            Path file = REPOSITORY.resolve(source);
            assertThat(file).as("the Dockerfile copies %s; build the jars first (mvn package)", source).exists();
            image = image.withFileFromPath(source, file);
        }
    }

    /** Both images, now: without Ryuk nothing removes them at exit (the base's name is unique to its inputs). */
    @AfterAll
    static void removeTheImages() throws Exception {
        DockerClient docker = DockerClientFactory.instance().client();
        try {
            if (image != null && image.isDone()) docker.removeImageCmd(image.get()).withForce(true).exec();
        } finally {
            if (base != null) docker.removeImageCmd(base).withForce(true).exec();
        }
    }

    @Test
    void theImageRunsTheDaemonWhichServesAnApplicationContainerItsProbesAndDrainsOnSigterm() throws Exception {
        DockerClient docker = DockerClientFactory.instance().client();
        String volume = "pooly-dockerfile-" + UUID.randomUUID();
        int port = freeLoopbackPort();
        docker.createVolumeCmd().withName(volume).exec();
        try (GenericContainer<?> daemon = new GenericContainer<>(image)
                .withNetworkMode("host")
                .withCopyToContainer(Transferable.of(config(port).getBytes(StandardCharsets.UTF_8), 0644), "/etc/pooly/pooly.yaml")
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withBinds(with(cmd.getHostConfig().getBinds(),
                        new Bind(volume, new Volume("/run/pooly")))))
                .withLogConsumer(new Slf4jLogConsumer(LoggerFactory.getLogger("pooly.container.dockerfile")))
                .waitingFor(new DaemonReadyWaitStrategy().withStartupTimeout(Duration.ofSeconds(90)))) {
            daemon.start(); // the image's own ENTRYPOINT and CMD: pooly daemon -c /etc/pooly/pooly.yaml

            HttpClient http = HttpClient.newHttpClient();
            await().atMost(Duration.ofSeconds(90)).until(() -> get(http, port, "/readyz") == 200);
            assertThat(get(http, port, "/healthz")).isEqualTo(200);
            assertThat(daemon.getLogs()).as("Java 25 in the image: the daemon spawns its workers itself").contains("launch: posix_spawn");

            try (GenericContainer<?> app = new GenericContainer<>(image)
                    .withNetworkMode("none")
                    .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withBinds(new Bind(volume, new Volume("/run/pooly"))))
                    .withCommand("call", "upper", "hello from the app", "-s", SOCKET)
                    .withLogConsumer(new Slf4jLogConsumer(LoggerFactory.getLogger("pooly.container.app")))
                    .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(Duration.ofSeconds(120)))) {
                app.start(); // returns once the call exited 0, else throws with its output
                assertThat(app.getLogs(OutputFrame.OutputType.STDOUT)).isEqualTo("HELLO FROM THE APP\n");
            }
            assertThat(daemon.execInContainer("pooly", "call", "upper", "and from the daemon's container", "-s", SOCKET).getStdout())
                    .isEqualTo("AND FROM THE DAEMON'S CONTAINER\n");
            assertThat(metrics(http, port)).containsPattern("(?m)^pooly_checkouts_total\\{pool=\"upper\",result=\"ok\"} 2(\\.0)?$");

            docker.stopContainerCmd(daemon.getContainerId()).withTimeout(GRACE_SECONDS).exec();

            assertThat(docker.inspectContainerCmd(daemon.getContainerId()).exec().getState().getExitCodeLong())
                    .as("the SIGTERM reached the daemon through the launcher's exec").isZero();
            assertThat(daemon.getLogs()).contains("SIGTERM: stopping all children in reverse order").containsPattern("(?m) stopped$");
        } finally {
            docker.removeVolumeCmd(volume).exec();
        }
    }

    /** The sources of the Dockerfile's COPY lines (flags such as --chown left out), as paths in the context. */
    static List<String> copySources(List<String> dockerfile) {
        List<String> sources = new ArrayList<>();
        for (String line : dockerfile) {
            String[] words = line.strip().split("\\s+");
            if (!words[0].equalsIgnoreCase("COPY")) continue;
            List<String> args = Arrays.stream(words).skip(1).filter(w -> !w.startsWith("--")).toList();
            for (String source : args.subList(0, args.size() - 1)) sources.add(source.endsWith("/") ? source.substring(0, source.length() - 1) : source);
        }
        assertThat(sources).as("COPY lines in " + DOCKERFILE).isNotEmpty();
        return sources;
    }

    private static String config(int port) {
        return """
                version: 1
                control:
                  socket: %s
                logs:
                  dir: /tmp/pooly-logs
                metrics:
                  listen: 127.0.0.1:%d
                shutdown:
                  drain: 20s
                supervisor:
                  children:
                    - pool:
                        name: upper
                        command: [java, -cp, /opt/workers/worker-examples.jar, dev.pooly.examples.Upper, --ready]
                        size: 2
                        ready: {line: READY, timeout: 60s}
                """.formatted(SOCKET, port);
    }

    private static int get(HttpClient http, int port, String path) {
        try {
            return http.send(request(port, path), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String metrics(HttpClient http, int port) throws IOException, InterruptedException {
        return http.send(request(port, "/metrics"), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static HttpRequest request(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build();
    }

    /** A loopback port free now; the daemon binds it a few seconds later (a collision fails the start, loudly). */
    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static Bind[] with(Bind[] binds, Bind more) {
        List<Bind> all = new ArrayList<>(binds == null ? List.of() : Arrays.asList(binds));
        all.add(more);
        return all.toArray(Bind[]::new);
    }
}
