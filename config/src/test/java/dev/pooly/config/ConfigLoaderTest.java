package dev.pooly.config;

import dev.pooly.config.ReadySetting.Delay;
import dev.pooly.config.ReadySetting.Immediate;
import dev.pooly.config.ReadySetting.Line;
import dev.pooly.config.ShutdownSetting.BrutalKill;
import dev.pooly.config.ShutdownSetting.Infinity;
import dev.pooly.config.ShutdownSetting.Timeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    @Test
    void theContractsExampleLoadsIntoTheRecordsItDescribes() throws Exception {
        Path file = sample("contract-example.yaml");
        Path base = dir.toAbsolutePath().normalize();

        PoolyConfig config = ConfigLoader.load(file);

        assertThat(config.version()).isEqualTo(1);
        assertThat(config.file()).isEqualTo(file);
        assertThat(config.baseDir()).isEqualTo(base);
        assertThat(config.socket()).isEqualTo(base.resolve("pooly.sock"));
        assertThat(config.logs()).isEqualTo(new LogSettings(base.resolve("logs"), 10 * 1024 * 1024, 3));
        ProcessNode cache = new ProcessNode("cache", List.of("redis-server", "--port", "7777"), Map.of("KEY", "value"),
                base, RestartType.PERMANENT, new Timeout(Duration.ofSeconds(5)), new Delay(Duration.ofSeconds(1)),
                new Location(13, 7));
        PoolNode upper = new PoolNode("upper",
                List.of("java", "-cp", "worker-examples/target/worker-examples.jar", "dev.pooly.examples.Upper"),
                Map.of(), base, 2, 3, PoolStrategy.LIFO, Duration.ofSeconds(5), Duration.ZERO, 0, Duration.ZERO,
                OnAbandon.REPLACE, new Line("READY", Duration.ofSeconds(10)), new Timeout(Duration.ofSeconds(5)), 5, 5,
                new Location(21, 7));
        SupervisorNode backend = new SupervisorNode("backend", SupervisorStrategy.REST_FOR_ONE, 3, 5, List.of(),
                new Location(36, 7));
        assertThat(config.root()).isEqualTo(new SupervisorNode("root", SupervisorStrategy.ONE_FOR_ONE, 3, 5,
                List.of(cache, upper, backend), new Location(8, 1)));
    }

    @Test
    void metricsListenAndShutdownDrainAreReadAndDefaultToNoListenerAndThirtySeconds() throws Exception {
        PoolyConfig withThem = ConfigLoader.load("""
                version: 1
                metrics:
                  listen: "[::1]:9464"
                shutdown:
                  drain: 2s
                supervisor: {}
                """, "observed.yaml");
        PoolyConfig without = ConfigLoader.load("version: 1\nsupervisor: {}\n", "plain.yaml");

        assertThat(withThem.metrics()).contains(new MetricsSettings("::1", 9464));
        assertThat(withThem.metrics().orElseThrow()).hasToString("[::1]:9464");
        assertThat(withThem.drain()).isEqualTo(Duration.ofSeconds(2));
        assertThat(without.metrics()).isEmpty();
        assertThat(without.drain()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void httpSocketListenAndTokenFileAreReadRelativeToTheFileAndDefaultToNoApi() throws Exception {
        PoolyConfig all = ConfigLoader.load("""
                version: 1
                http:
                  socket: run/api.sock
                  listen: "[::1]:8765"
                  token_file: secret
                supervisor: {}
                """, Path.of("/etc/pooly/pooly.yaml").toString());
        PoolyConfig bare = ConfigLoader.load("version: 1\nhttp: {}\nsupervisor: {}\n", "/srv/p.yaml");
        PoolyConfig remote = ConfigLoader.load("version: 1\nhttp: {listen: 0.0.0.0:8765, token_file: /run/t}\nsupervisor: {}\n", "/srv/p.yaml");

        HttpSettings http = all.http().orElseThrow();
        assertThat(http.socket()).isEqualTo(Path.of("/etc/pooly/run/api.sock"));
        assertThat(http.listen()).contains(new MetricsSettings("::1", 8765));
        assertThat(http.tokenFile()).contains(Path.of("/etc/pooly/secret"));
        assertThat(bare.http().orElseThrow()).isEqualTo(new HttpSettings(Path.of("/srv/pooly-http.sock"), java.util.Optional.empty(),
                java.util.Optional.empty()));
        assertThat(remote.http().orElseThrow().listen()).contains(new MetricsSettings("0.0.0.0", 8765));
        assertThat(ConfigLoader.load("version: 1\nsupervisor: {}\n", "plain.yaml").http()).isEmpty();
    }

    @Test
    void everyKeyLeftOutTakesTheContractsDefault() throws Exception {
        PoolyConfig config = ConfigLoader.load("""
                version: 1
                supervisor:
                  children:
                    - process:
                        id: sleeper
                        command: [sleep, "1000"]
                    - pool:
                        name: cats
                        command: [cat]
                    - supervisor:
                        id: branch
                """, "defaults.yaml");

        Path base = Path.of("").toAbsolutePath();
        assertThat(config.socket()).isEqualTo(base.resolve("pooly.sock"));
        assertThat(config.logs()).isEqualTo(new LogSettings(base.resolve("logs"), 10L * 1024 * 1024, 3));
        SupervisorNode root = config.root();
        assertThat(root.id()).isEqualTo("root");
        assertThat(root.strategy()).isEqualTo(SupervisorStrategy.ONE_FOR_ONE);
        assertThat(root.maxRestarts()).isEqualTo(3);
        assertThat(root.maxSeconds()).isEqualTo(5);
        assertThat(root.children().get(0)).isEqualTo(new ProcessNode("sleeper", List.of("sleep", "1000"), Map.of(), base,
                RestartType.PERMANENT, ShutdownSetting.DEFAULT, new Immediate(), new Location(4, 7)));
        assertThat(root.children().get(1)).isEqualTo(new PoolNode("cats", List.of("cat"), Map.of(), base, 1, 0,
                PoolStrategy.LIFO, Duration.ofSeconds(5), Duration.ZERO, 0, Duration.ZERO, OnAbandon.REPLACE,
                new Immediate(), new Timeout(Duration.ofSeconds(5)), 5, 5, new Location(7, 7)));
        assertThat(root.children().get(2)).isEqualTo(new SupervisorNode("branch", SupervisorStrategy.ONE_FOR_ONE, 3, 5,
                List.of(), new Location(10, 7)));
    }

    @Test
    void everyFormOfEveryValueIsRead() throws Exception {
        PoolyConfig config = ConfigLoader.load(sample("all-forms.yaml"));
        Path base = dir.toAbsolutePath().normalize();

        assertThat(config.logs()).isEqualTo(new LogSettings(base.resolve("logs"), 512, 0));
        SupervisorNode root = config.root();
        assertThat(root).extracting(SupervisorNode::id, SupervisorNode::strategy, SupervisorNode::maxRestarts,
                SupervisorNode::maxSeconds).containsExactly("top", SupervisorStrategy.ONE_FOR_ALL, 0, 60);
        ProcessNode web = (ProcessNode) root.children().get(0);
        assertThat(web.env()).containsExactly(Map.entry("PORT", "8080"), Map.entry("DEBUG", "yes"), Map.entry("NAME", "web"));
        assertThat(web.restart()).isEqualTo(RestartType.TRANSIENT);
        assertThat(web.shutdown()).isEqualTo(new BrutalKill());
        assertThat(web.ready()).isEqualTo(new Line("READY", ReadySetting.DEFAULT_LINE_TIMEOUT));
        ProcessNode batch = (ProcessNode) root.children().get(1);
        assertThat(batch.command()).containsExactly("sh", "-c", "exit 3");
        assertThat(batch.restart()).isEqualTo(RestartType.TEMPORARY);
        assertThat(batch.shutdown()).isEqualTo(new Infinity());
        assertThat(batch.ready()).isEqualTo(new Delay(Duration.ofMillis(250)));
        PoolNode burst = (PoolNode) root.children().get(2);
        assertThat(burst).extracting(PoolNode::size, PoolNode::maxOverflow, PoolNode::strategy, PoolNode::checkoutTimeout,
                        PoolNode::overflowTtl, PoolNode::maxUses, PoolNode::leaseTimeout, PoolNode::onAbandon)
                .containsExactly(0, 4, PoolStrategy.FIFO, Duration.ofMinutes(2), Duration.ofHours(1), 100L,
                        Duration.ofSeconds(30), OnAbandon.RETURN);
        assertThat(root.children().get(3)).isEqualTo(new SupervisorNode("empty-branch", SupervisorStrategy.ONE_FOR_ONE,
                3, 5, List.of(), new Location(37, 7)));
    }

    @Test
    void relativePathsAreResolvedAgainstTheConfigFilesDirectoryNotTheWorkingDirectory() throws Exception {
        Path etc = Files.createDirectories(dir.resolve("etc/pooly"));
        Path file = Files.writeString(etc.resolve("pooly.yaml"), """
                version: 1
                control: {socket: run/../run/pooly.sock}
                logs: {dir: /var/log/pooly}
                supervisor:
                  children:
                    - process: {id: up, command: ["true"], cwd: ../work}
                    - pool: {name: here, command: [cat]}
                """);

        PoolyConfig config = ConfigLoader.load(file);

        Path base = etc.toAbsolutePath().normalize();
        assertThat(config.baseDir()).isEqualTo(base);
        assertThat(config.socket()).isEqualTo(base.resolve("run/pooly.sock"));
        assertThat(config.logs().dir()).isEqualTo(Path.of("/var/log/pooly"));
        assertThat(((ProcessNode) config.root().children().get(0)).cwd()).isEqualTo(dir.toAbsolutePath().resolve("etc/work"));
        assertThat(((PoolNode) config.root().children().get(1)).cwd()).isEqualTo(base);
    }

    @Test
    void aConfigLoadedFromTextResolvesPathsAgainstTheDirectoryOfItsFileName() throws Exception {
        PoolyConfig config = ConfigLoader.load("version: 1\nsupervisor: {}\n", "/srv/app/pooly.yaml");

        assertThat(config.file()).isEqualTo(Path.of("/srv/app/pooly.yaml"));
        assertThat(config.socket()).isEqualTo(Path.of("/srv/app/pooly.sock"));
        assertThat(config.root().children()).isEmpty();
    }

    @Test
    void nodesAreFoundByIdAnywhereInTheTree() throws Exception {
        PoolyConfig config = ConfigLoader.load(sample("contract-example.yaml"));

        assertThat(config.nodes()).extracting(ChildNode::id).containsExactly("root", "cache", "upper", "backend");
        assertThat(config.find("upper")).get().isInstanceOf(PoolNode.class);
        assertThat(config.find("nobody")).isEmpty();
    }

    @Test
    void aProblemFoundLaterPointsAtTheNodesPlaceInTheFile() throws Exception {
        PoolyConfig config = ConfigLoader.load(sample("contract-example.yaml"));
        ChildNode cache = config.find("cache").orElseThrow();

        assertThat(ConfigProblem.at(config.file(), cache.location(), "redis-server: not found"))
                .hasToString(config.file() + ":13:7: redis-server: not found");
    }

    @Test
    void aFileThatCannotBeReadIsAnIoErrorNotAConfigProblem() {
        Path missing = dir.resolve("missing.yaml");

        assertThatThrownBy(() -> ConfigLoader.load(missing)).isInstanceOf(NoSuchFileException.class);
    }

    /** Copies a sample into the temporary directory, so paths in it resolve there. */
    private Path sample(String name) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("samples/valid/" + name)) {
            assertThat(in).as(name).isNotNull();
            Path file = dir.resolve("pooly.yaml");
            Files.write(file, in.readAllBytes());
            return file;
        }
    }
}
