package dev.pooly.testcontainers;

import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.slf4j.LoggerFactory;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the ITs share: one image per JVM (the jars this build made, plus the example workers at
 * {@value #WORKERS_JAR}) and containers set up alike: no network (the daemon needs none, and this
 * engine has no bridge), the daemon's output in the test log.
 */
final class TestPooly {
    /** Where the image has worker-examples.jar; the test configs' pools run it from there. */
    static final String WORKERS_JAR = "/opt/workers/worker-examples.jar";

    private static final ImageFromDockerfile IMAGE = PoolyImage.fromJar(jar("pooly.jar"))
            .withFile(jar("pooly.workerExamplesJar"), WORKERS_JAR)
            .build();

    private TestPooly() {}

    /** The shared image, for containers that are not the daemon (an "application" beside it). */
    static ImageFromDockerfile image() {
        return IMAGE;
    }

    /** A container of the shared image, running the test config {@code name} (a resource next to this class). */
    static PoolyContainer container(String name) {
        return new PoolyContainer(IMAGE)
                .withConfig(config(name))
                .withNetworkMode("none")
                .withLogConsumer(new Slf4jLogConsumer(LoggerFactory.getLogger("pooly.container." + name)));
    }

    static Path config(String name) {
        try {
            return Path.of(TestPooly.class.getResource(name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalArgumentException("no test config " + name + " next to " + TestPooly.class.getName(), e);
        }
    }

    /** The jar that the system property {@code property} names (failsafe sets them; see the pom). */
    static Path jar(String property) {
        String value = System.getProperty(property);
        if (value == null) throw new IllegalStateException("system property " + property + " is not set; run the ITs with mvn verify");
        Path jar = Path.of(value).toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) throw new IllegalStateException(property + ": no " + jar + "; build it first (mvn -pl cli,worker-examples -am package)");
        return jar;
    }
}
