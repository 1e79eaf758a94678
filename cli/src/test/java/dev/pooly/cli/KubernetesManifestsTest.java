package dev.pooly.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.pooly.cli.daemon.DaemonMetrics;
import dev.pooly.cli.daemon.HttpEndpoints;
import dev.pooly.config.ConfigLoader;
import dev.pooly.config.PoolyConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * deploy/kubernetes/ holds what the daemon serves: the manifests parse, their probes use the
 * daemon's paths and port, the grace period exceeds the drain, the socket is shared through an
 * emptyDir, and both autoscalers read the metric the daemon exports.
 */
class KubernetesManifestsTest {
    private static final Path DIR = Path.of("../deploy/kubernetes").toAbsolutePath().normalize();
    private static final YAMLMapper YAML = new YAMLMapper();

    @Test
    void theSidecarProbesTheDaemonsHealthAndReadinessPathsOnItsMetricsPort() throws Exception {
        JsonNode pod = only("Deployment", "pooly-sidecar.yaml").at("/spec/template/spec");
        PoolyConfig config = config();
        JsonNode pooly = container(pod, "pooly");

        assertThat(pooly.at("/livenessProbe/httpGet/path").asText()).isEqualTo(HttpEndpoints.HEALTHZ);
        assertThat(pooly.at("/readinessProbe/httpGet/path").asText()).isEqualTo(HttpEndpoints.READYZ);
        assertThat(pooly.at("/startupProbe/httpGet/path").asText()).isEqualTo(HttpEndpoints.HEALTHZ);
        String port = pooly.at("/readinessProbe/httpGet/port").asText();
        JsonNode declared = stream(pooly.get("ports")).filter(p -> p.get("name").asText().equals(port)).findFirst().orElseThrow();
        assertThat(declared.get("containerPort").asInt()).isEqualTo(config.metrics().orElseThrow().port());
        assertThat(config.metrics().get().host()).as("the kubelet probes the pod IP").isEqualTo("0.0.0.0");
        assertThat(pooly.get("args").toString()).contains("/etc/pooly/pooly.yaml");
    }

    @Test
    void theGracePeriodExceedsTheDrainAndTheSocketIsSharedThroughAnEmptyDir() throws Exception {
        JsonNode pod = only("Deployment", "pooly-sidecar.yaml").at("/spec/template/spec");
        PoolyConfig config = config();

        assertThat(Duration.ofSeconds(pod.get("terminationGracePeriodSeconds").asLong())).isGreaterThan(config.drain());
        Path socketDir = config.socket().getParent();
        JsonNode volume = stream(pod.get("volumes")).filter(v -> v.has("emptyDir")).findFirst().orElseThrow();
        for (JsonNode c : List.of(container(pod, "pooly"), container(pod, "app"))) {
            assertThat(stream(c.get("volumeMounts")))
                    .as("%s mounts the socket's emptyDir at %s", c.get("name"), socketDir)
                    .anySatisfy(m -> {
                        assertThat(m.get("name").asText()).isEqualTo(volume.get("name").asText());
                        assertThat(m.get("mountPath").asText()).isEqualTo(socketDir.toString());
                    });
        }
        assertThat(pod.at("/securityContext/runAsUser").asInt()).as("one user for both: the socket is 0600").isPositive();
    }

    @Test
    void bothAutoscalersReadTheWaitingCallersMetricTheDaemonExports() throws Exception {
        List<String> exported = new DaemonMetrics(Map::of).registry().scrape().stream()
                .map(s -> s.getMetadata().getPrometheusName()).toList();
        assertThat(exported).contains(DaemonMetrics.CHECKOUT_WAITING);
        String pool = config().root().children().getFirst().id();

        JsonNode trigger = only("ScaledObject", "keda-scaledobject.yaml").at("/spec/triggers/0");
        assertThat(trigger.get("type").asText()).isEqualTo("prometheus");
        assertThat(trigger.at("/metadata/query").asText()).contains(DaemonMetrics.CHECKOUT_WAITING + "{pool=\"" + pool + "\"}");
        assertThat(only("ScaledObject", "keda-scaledobject.yaml").at("/spec/scaleTargetRef/name").asText()).isEqualTo("app");

        JsonNode hpa = only("HorizontalPodAutoscaler", "hpa.yaml");
        assertThat(hpa.at("/spec/metrics/0/pods/metric/name").asText()).isEqualTo(DaemonMetrics.CHECKOUT_WAITING);
        assertThat(hpa.at("/spec/scaleTargetRef/name").asText()).isEqualTo("app");
    }

    @Test
    void theDockerfileBuildsFromThisRepositorysJarsAndRunsTheDaemon() throws Exception {
        String dockerfile = Files.readString(DIR.resolve("Dockerfile"));
        assertThat(dockerfile).contains("COPY cli/target/pooly.jar ", "ENTRYPOINT [\"pooly\"]",
                "EXPOSE " + config().metrics().orElseThrow().port());
        assertThat(instructions(dockerfile, "CMD")).singleElement().asString()
                .contains("\"daemon\"", "\"" + mountPath(container(pod(), "pooly"), "pooly-config") + "/pooly.yaml\"");
    }

    @Test
    void theDockerfileTakesItsBaseAsABuildArgumentAndRunsNothingInIt() throws Exception {
        String dockerfile = Files.readString(DIR.resolve("Dockerfile"));

        assertThat(instructions(dockerfile, "ARG")).contains("BASE=eclipse-temurin:25-jre");
        assertThat(instructions(dockerfile, "FROM")).containsExactly("${BASE}");
        assertThat(instructions(dockerfile, "RUN")).as("a base without tools must build it").isEmpty();
    }

    @Test
    void theImagesUserIsTheOneThePodRunsAs() throws Exception {
        List<String> user = instructions(Files.readString(DIR.resolve("Dockerfile")), "USER");
        JsonNode security = pod().get("securityContext");

        assertThat(user).containsExactly(security.get("runAsUser").asInt() + ":" + security.get("runAsGroup").asInt());
        assertThat(instructions(Files.readString(DIR.resolve("Dockerfile")), "COPY"))
                .as("the socket's directory belongs to that user").contains("--chown=" + user.getFirst() + " deploy/kubernetes/image/run-pooly/ /run/pooly/");
    }

    @Test
    void everyFileTheDockerfileCopiesExistsAndTheBuildContextSendsIt() throws Exception {
        Path root = DIR.getParent().getParent();
        List<String> ignore = Files.readAllLines(root.resolve(".dockerignore")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertThat(ignore.getFirst()).as(".dockerignore leaves out everything first").isEqualTo("*");

        for (String copy : instructions(Files.readString(DIR.resolve("Dockerfile")), "COPY")) {
            List<String> words = Stream.of(copy.split("\\s+")).filter(w -> !w.startsWith("--")).toList();
            for (String source : words.subList(0, words.size() - 1)) {
                assertThat(ignore).as(".dockerignore sends %s", source)
                        .anyMatch(l -> l.equals("!" + source) || l.endsWith("/") && ("!" + source).startsWith(l));
                if (source.contains("/target/")) continue; // made by mvn package
                assertThat(root.resolve(source)).as("COPY %s", source).exists();
            }
        }
        Path launcher = DIR.resolve("image/pooly");
        assertThat(Files.isExecutable(launcher)).as("%s is executable (COPY keeps the mode)", launcher).isTrue();
        assertThat(Files.readString(launcher)).startsWith("#!/bin/sh\n").contains("exec java ");
    }

    @Test
    void theManifestsRunTheImageTheDocsBuild() throws Exception {
        String docs = Files.readString(DIR.getParent().getParent().resolve("docs/kubernetes.md"));
        String dockerfile = Files.readString(DIR.resolve("Dockerfile"));
        for (String name : List.of("pooly", "app")) {
            String image = container(pod(), name).get("image").asText();
            assertThat(dockerfile).contains("-t " + image + " .");
            assertThat(docs).contains("docker build -f deploy/kubernetes/Dockerfile -t " + image + " .",
                    "docker build -f deploy/kubernetes/Dockerfile --build-arg BASE=pooly-base:25 -t " + image + " .");
        }
    }

    /** The arguments of every {@code INSTRUCTION} line of a Dockerfile (no continuation lines in ours). */
    private static List<String> instructions(String dockerfile, String instruction) {
        return dockerfile.lines().filter(l -> l.startsWith(instruction + " ")).map(l -> l.substring(instruction.length() + 1).strip()).toList();
    }

    private static String mountPath(JsonNode container, String volume) {
        return stream(container.get("volumeMounts")).filter(m -> m.get("name").asText().equals(volume)).findFirst()
                .orElseThrow(() -> new AssertionError(container.get("name") + " mounts no " + volume)).get("mountPath").asText();
    }

    private static JsonNode pod() throws IOException {
        return only("Deployment", "pooly-sidecar.yaml").at("/spec/template/spec");
    }

    private static PoolyConfig config() throws Exception {
        String text = only("ConfigMap", "pooly-sidecar.yaml").at("/data/pooly.yaml").asText();
        return ConfigLoader.load(text, "deploy/kubernetes/pooly-sidecar.yaml#pooly.yaml");
    }

    private static JsonNode container(JsonNode pod, String name) {
        return Stream.concat(stream(pod.path("initContainers")), stream(pod.path("containers")))
                .filter(c -> c.get("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no container " + name + " in " + pod));
    }

    private static JsonNode only(String kind, String file) throws IOException {
        List<JsonNode> found = documents(file).stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
        assertThat(found).as("%s in %s", kind, file).hasSize(1);
        return found.getFirst();
    }

    private static List<JsonNode> documents(String file) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(DIR.resolve(file).toFile())) {
            while (it.hasNext()) docs.add(it.next());
        }
        assertThat(docs).as(file).allSatisfy(d -> assertThat(d.path("apiVersion").asText()).isNotEmpty());
        return docs;
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false);
    }
}
