package dev.pooly.testcontainers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pooly.testcontainers.internal.DaemonReadyWaitStrategy;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Future;

/**
 * The real {@code pooly daemon} in a Docker container, run from a config file, and driven with the
 * real {@code pooly} command line inside the container ({@link #call}, {@link #status},
 * {@link #kill}...), so it works with any Docker engine.
 *
 * <pre>{@code
 * @Container
 * static PoolyContainer pooly = new PoolyContainer(PoolyImage.fromJar(Path.of("cli/target/pooly.jar")).build())
 *         .withConfig("""
 *             version: 1
 *             supervisor:
 *               children:
 *                 - pool: {name: echo, size: 2, command: [cat]}
 *             """);
 *
 * assertThat(pooly.call("echo", "hello")).isEqualTo("hello");
 * }</pre>
 *
 * <p>The container's working directory is {@value #HOME} and the config is {@value #CONFIG}, so
 * relative paths in it ({@code control.socket}, {@code logs.dir}, {@code cwd}) start at
 * {@value #HOME}. {@link #withHostDirectory} makes {@value #HOME} a host directory, so that
 * programs on the host reach the control socket (Linux engines only: a Unix socket does not cross
 * into a VM). The image must have {@code pooly} and {@code sh} on its {@code PATH}, as a
 * {@link PoolyImage} has. The container runs with Docker's init process, which forwards
 * {@code docker stop}'s SIGTERM to the daemon and reaps orphans.
 *
 * <p>Started when the daemon logs {@code ready:} (its control socket is bound; pool workers may
 * still be starting); a daemon that exits first (65 for an invalid config) fails {@link #start()}
 * at once with its exit status and output.
 *
 * <p>Thread-safety: configure from one thread; once started, the client methods may be called from
 * many threads (each one is its own {@code docker exec}). Each blocks until the command ends; an
 * interrupt ends the wait with an {@link IllegalStateException}, the thread's interrupt flag set
 * again (the command itself runs on in the container). {@link #stop()} kills the container
 * (SIGKILL); to see the daemon's own clean shutdown, use {@link #shutdown()} or {@code docker stop}.
 */
public final class PoolyContainer extends GenericContainer<PoolyContainer> {
    /** The image name this container accepts when given one by name: {@code pooly}, any tag. */
    public static final DockerImageName DEFAULT_IMAGE_NAME = DockerImageName.parse("pooly");
    /** The daemon's working directory in the container, and the config's directory. */
    public static final String HOME = "/pooly";
    /** The config file in the container. */
    public static final String CONFIG = HOME + "/pooly.yaml";
    /** The control socket's name, relative to {@value #HOME}, when the config leaves {@code control.socket} at its default. */
    public static final String DEFAULT_SOCKET = "pooly.sock";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);

    private byte[] config;
    private Path hostDirectory;

    /** A container of an image named {@code pooly:TAG} that you built (see the module's README). */
    public PoolyContainer(DockerImageName image) {
        super(image);
        image.assertCompatibleWith(DEFAULT_IMAGE_NAME);
        setUp();
    }

    /** A container of an image built on the fly, such as {@link PoolyImage#build()}. */
    public PoolyContainer(Future<String> image) {
        super(image);
        setUp();
    }

    private void setUp() {
        withCommand("pooly", "daemon", "-c", CONFIG);
        withWorkingDirectory(HOME);
        // Docker's init as PID 1: forwards SIGTERM to the daemon and reaps the orphans a worker leaves,
        // which the JVM as PID 1 would keep as zombies (and a zombie still looks alive to a tree walk).
        withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withInit(true));
        waitingFor(new DaemonReadyWaitStrategy().withStartupTimeout(STARTUP_TIMEOUT));
    }

    /** The config, read from a host file now; copied to {@value #CONFIG} when the container starts. */
    public PoolyContainer withConfig(Path file) {
        try {
            this.config = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the pooly config " + file, e);
        }
        return self();
    }

    /** The config as YAML text (a text block, say); copied to {@value #CONFIG} when the container starts. */
    public PoolyContainer withConfig(String yaml) {
        this.config = yaml.getBytes(StandardCharsets.UTF_8);
        return self();
    }

    /**
     * Makes the host directory {@code dir} the container's {@value #HOME}: the config is written
     * there, and the control socket ({@link #getControlSocket()}) and logs land there, for programs
     * on the host. The daemon then runs as the directory's owner, so that the socket (mode 0600) is
     * theirs. Needs an engine on this machine's kernel (Linux).
     */
    public PoolyContainer withHostDirectory(Path dir) {
        if (hostDirectory != null) throw new IllegalStateException("the host directory is already " + hostDirectory);
        this.hostDirectory = dir.toAbsolutePath();
        withFileSystemBind(hostDirectory.toString(), HOME, BindMode.READ_WRITE);
        // Read when the container is created, so that the directory may be made after this call.
        withCreateContainerCmdModifier(cmd -> cmd.withUser(owner(hostDirectory)));
        return self();
    }

    private static String owner(Path dir) {
        try {
            return Files.getAttribute(dir, "unix:uid") + ":" + Files.getAttribute(dir, "unix:gid");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the owner of the host directory " + dir, e);
        }
    }

    @Override protected void configure() {
        if (config == null) throw new IllegalStateException("no config: call withConfig(...) before start()");
        if (hostDirectory == null) {
            withCopyToContainer(Transferable.of(config, 0644), CONFIG);
            return;
        }
        try {
            Files.createDirectories(hostDirectory);
            Files.write(hostDirectory.resolve("pooly.yaml"), config);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the config into the host directory " + hostDirectory, e);
        }
    }

    /** The host directory given to {@link #withHostDirectory}; {@link IllegalStateException} if none was. */
    public Path getHostDirectory() {
        if (hostDirectory == null) throw new IllegalStateException("no host directory: call withHostDirectory(dir) before start()");
        return hostDirectory;
    }

    /**
     * The control socket on the host ({@code HOST_DIR/pooly.sock}), for {@code pooly -s PATH ...} or
     * any client of the socket there, when the config leaves {@code control.socket} at its default.
     */
    public Path getControlSocket() {
        return getHostDirectory().resolve(DEFAULT_SOCKET);
    }

    /**
     * Runs {@code pooly ARGS... -c /pooly/pooly.yaml} in the container and returns what it did,
     * whatever its exit status; for the contract's exit codes (64, 69, 75...).
     */
    public ExecResult execPooly(String... args) {
        List<String> command = new ArrayList<>();
        command.add("pooly");
        command.addAll(Arrays.asList(args));
        command.add("-c");
        command.add(CONFIG);
        return exec(command);
    }

    /** {@code pooly call POOL REQUEST}: one request line through one lease; its response line. */
    public String call(String pool, String request) {
        String out = succeed(execPooly("call", pool, request), "pooly call " + pool);
        return out.endsWith("\n") ? out.substring(0, out.length() - 1) : out;
    }

    /** {@code pooly call POOL} with these request lines on stdin: one lease, pipelined; the response lines, in order. */
    public List<String> call(String pool, List<String> requests) {
        String stdin = requests.isEmpty() ? "" : String.join("\n", requests) + "\n";
        return succeed(withStdin(stdin, "call", pool), "pooly call " + pool).lines().toList();
    }

    /** {@code pooly checkout POOL}: {@code input} written raw to one worker, and all it wrote back until checkin. */
    public String checkout(String pool, String input) {
        return succeed(withStdin(input, "checkout", pool), "pooly checkout " + pool);
    }

    /** {@code pooly status --json}, typed. */
    public PoolyStatus status() {
        String out = succeed(execPooly("status", "--json"), "pooly status");
        try {
            return PoolyStatus.of(JSON.readTree(out));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("pooly status --json printed no JSON: " + out, e);
        }
    }

    /** {@code pooly kill ID}: crashes that node, as if it died abnormally, for the tree to heal. */
    public void kill(String id) {
        node("kill", id);
    }

    /**
     * {@code pooly stop ID}: stops the node (its whole process tree) until {@link #startChild}.
     * (Not {@code stop}: that one stops the container.)
     */
    public void stopChild(String id) {
        node("stop", id);
    }

    /** {@code pooly start ID}: starts a stopped node. */
    public void startChild(String id) {
        node("start", id);
    }

    /** {@code pooly restart ID}: stops and starts the node, not counted against restart intensity. */
    public void restartChild(String id) {
        node("restart", id);
    }

    /** {@code pooly shutdown}: the daemon stops every child in reverse order and exits 0, which ends the container. */
    public void shutdown() {
        succeed(execPooly("shutdown"), "pooly shutdown");
    }

    private void node(String op, String id) {
        succeed(execPooly(op, Objects.requireNonNull(id, "id")), "pooly " + op + " " + id);
    }

    /** Runs a pooly command with {@code stdin} on its standard input (copied in as a file, then removed). */
    private ExecResult withStdin(String stdin, String... args) {
        String file = "/tmp/pooly-stdin-" + UUID.randomUUID();
        copyFileToContainer(Transferable.of(stdin.getBytes(StandardCharsets.UTF_8), 0644), file);
        List<String> command = new ArrayList<>(List.of("sh", "-c", "pooly \"$@\" < \"$0\"; status=$?; rm -f \"$0\"; exit $status", file));
        command.addAll(Arrays.asList(args));
        command.add("-c");
        command.add(CONFIG);
        return exec(command);
    }

    private ExecResult exec(List<String> command) {
        try {
            return execInContainer(StandardCharsets.UTF_8, command.toArray(String[]::new));
        } catch (IOException e) {
            throw new UncheckedIOException("docker exec " + command + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during docker exec " + command, e);
        }
    }

    private static String succeed(ExecResult result, String what) {
        if (result.getExitCode() != 0) throw new PoolyCommandException(what, result.getExitCode(), result.getStderr());
        return result.getStdout();
    }
}
