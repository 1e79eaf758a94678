package dev.pooly.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pooly.config.ConfigLoader;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * A real {@code pooly daemon} in a JVM of its own (the JDK running the tests, the shaded
 * {@code target/pooly.jar}), its config, socket and logs in one directory, driven by the real CLI in
 * JVMs of their own: {@link #cli} runs one command to its end, {@link #checkout} and {@link #start}
 * start a client whose stdin the test writes (one that holds a lease, say).
 * Only polling goes through the CLI's {@code status --json} in this JVM ({@link #status}), so that
 * Awaitility can poll every 100 ms without starting a JVM each time.
 *
 * <p>{@link #close} SIGKILLs the clients it started and SIGTERMs the daemon (SIGKILL after 30 s), so
 * a failing test leaves nothing running. Used by one test thread at a time.
 */
final class DaemonProcess implements AutoCloseable {
    static final Path JAR = Path.of("target/pooly.jar").toAbsolutePath();
    static final Path WORKER_JAR = Path.of("../worker-examples/target/worker-examples.jar").toAbsolutePath().normalize();
    /** The JDK running the tests; the {@code java} on PATH may be too old for the daemon. */
    static final String JAVA = ProcessHandle.current().info().command().orElseThrow();
    /** Generous, for a shared 2-core machine starting JVMs; only failures wait this long. */
    static final Duration PATIENCE = Duration.ofSeconds(60);
    static final ObjectMapper JSON = new ObjectMapper();

    /** How every pooly JVM here starts: the jar to run and the options that make it start fast. */
    private static final Launch LAUNCH = Launch.prepare();
    private static final AtomicInteger RUNS = new AtomicInteger();
    private static final Pattern LEASED = Pattern.compile("pooly: checked out \\S+ worker (\\d+)");

    private final Path dir;
    private final Path config;
    private final Path socket;
    private final Path log;
    private final Process process;
    private final List<Client> clients = new ArrayList<>();

    private DaemonProcess(Path config, Path socket, Path log, Process process) {
        this.dir = config.getParent();
        this.config = config;
        this.socket = socket;
        this.log = log;
        this.process = process;
    }

    /** Writes {@code yaml} to {@code dir/pooly.yaml}, starts the daemon and waits until {@code status --json} answers. */
    static DaemonProcess start(Path dir, String yaml, String... daemonOptions) {
        DaemonProcess daemon = launch(writeConfig(dir, yaml), daemonOptions);
        try {
            await().ignoreExceptions()
                    .failFast("the daemon exited", () -> !daemon.process.isAlive())
                    .until(() -> daemon.status() != null);
        } catch (RuntimeException | Error e) {
            String log = daemon.log();
            daemon.close();
            throw new AssertionError("the daemon did not answer status; its log:\n" + log, e);
        }
        return daemon;
    }

    /** Starts {@code pooly daemon -c config} without waiting for anything. */
    static DaemonProcess launch(Path config, String... daemonOptions) {
        return launch(config, Map.of(), daemonOptions);
    }

    /** As {@link #launch(Path, String...)}, with {@code env} added to the daemon's environment (say, {@code NOTIFY_SOCKET}). */
    static DaemonProcess launch(Path config, Map<String, String> env, String... daemonOptions) {
        return launch(List.of(), config, env, daemonOptions);
    }

    /** As {@link #launch(Path, Map, String...)}, run by {@code wrapper} (say, {@code nohup}). */
    static DaemonProcess launch(List<String> wrapper, Path config, Map<String, String> env, String... daemonOptions) {
        Path dir = config.getParent();
        Path socket;
        try {
            socket = ConfigLoader.load(config).socket();
        } catch (Exception invalid) {
            socket = dir.resolve("pooly.sock");
        }
        int run = RUNS.incrementAndGet();
        Path log = dir.resolve("daemon-" + run + ".err");
        try {
            List<String> args = new ArrayList<>(List.of("daemon", "-c", config.toString()));
            args.addAll(List.of(daemonOptions));
            List<String> command = new ArrayList<>(wrapper);
            command.addAll(pooly(args.toArray(String[]::new)));
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(dir.resolve("daemon-" + run + ".out").toFile())
                    .redirectError(log.toFile());
            builder.environment().putAll(env);
            Process process = builder.start();
            return new DaemonProcess(config, socket, log, process);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path writeConfig(Path dir, String yaml) {
        try {
            return Files.writeString(dir.resolve("pooly.yaml"), yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Awaitility with this suite's patience and a 100 ms poll. */
    static ConditionFactory await() {
        return Awaitility.await().atMost(PATIENCE).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100));
    }

    // ---- the CLI as separate processes ----

    /** Runs {@code pooly args... -c CONFIG} to its end, with an empty stdin. */
    CliRun cli(String... args) {
        return run(dir, null, Map.of(), withConfig(args));
    }

    /** Runs {@code pooly args... -c CONFIG} to its end, with {@code stdin} as its standard input. */
    CliRun cliWithInput(String stdin, String... args) {
        return run(dir, stdin, Map.of(), withConfig(args));
    }

    /** Runs {@code pooly args...} in {@code dir} with {@code env} added, to its end. */
    static CliRun run(Path dir, String stdin, Map<String, String> env, List<String> args) {
        int run = RUNS.incrementAndGet();
        Path out = dir.resolve("cli-" + run + ".out");
        Path err = dir.resolve("cli-" + run + ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(pooly(args.toArray(String[]::new))).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().putAll(env);
            if (stdin == null) {
                builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            } else {
                builder.redirectInput(Files.writeString(dir.resolve("cli-" + run + ".in"), stdin).toFile());
            }
            Process process = builder.start();
            if (!process.waitFor(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                fail("pooly " + String.join(" ", args) + " did not end within " + PATIENCE + "; stderr:\n" + Files.readString(err));
            }
            return new CliRun(process.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Starts {@code pooly checkout POOL options... -c CONFIG}; its stdin stays open until {@link Client#checkin}. */
    Client checkout(String pool, String... options) {
        List<String> args = new ArrayList<>(List.of("checkout", pool));
        args.addAll(List.of(options));
        return start(args.toArray(String[]::new));
    }

    /** Starts {@code pooly args... -c CONFIG} with its stdin a pipe that stays open until {@link Client#checkin}. */
    Client start(String... args) {
        int run = RUNS.incrementAndGet();
        Path out = dir.resolve("client-" + run + ".out");
        Path err = dir.resolve("client-" + run + ".err");
        try {
            Process process = new ProcessBuilder(pooly(withConfig(args).toArray(String[]::new)))
                    .directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            Client client = new Client(process, out, err);
            clients.add(client);
            return client;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A client process whose stdin the test writes: {@code pooly checkout}, or {@code pooly call} reading stdin. */
    static final class Client implements AutoCloseable {
        private final Process process;
        private final Path out;
        private final Path err;
        private final OutputStream stdin;

        private Client(Process process, Path out, Path err) {
            this.process = process;
            this.out = out;
            this.err = err;
            this.stdin = process.getOutputStream();
        }

        /** Waits for {@code pooly: checked out POOL worker PID} on its stderr and returns PID. */
        long awaitLease() {
            return await().failFast("the client exited: " + this, () -> !process.isAlive())
                    .until(this::leasedPid, Objects::nonNull);
        }

        private Long leasedPid() {
            Matcher m = LEASED.matcher(err());
            return m.find() ? Long.parseLong(m.group(1)) : null;
        }

        void send(String text) {
            try {
                stdin.write(text.getBytes(StandardCharsets.UTF_8));
                stdin.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Ends its stdin, which checks the worker in; returns its exit code. */
        int checkin() {
            try {
                stdin.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return awaitExit();
        }

        int awaitExit() {
            return awaitExit(PATIENCE);
        }

        int awaitExit(Duration within) {
            try {
                if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) fail("the client did not exit within " + within + ": " + this);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            return process.exitValue();
        }

        /** SIGKILL: the consumer dies without a word to the daemon. */
        void kill() {
            process.destroyForcibly();
            awaitExit();
        }

        String out() { return read(out); }

        String err() { return read(err); }

        @Override public void close() {
            if (process.isAlive()) kill();
        }

        @Override public String toString() {
            return "client " + process.pid() + "\n--- stdout ---\n" + out() + "--- stderr ---\n" + err();
        }
    }

    // ---- status, through the CLI's own command in this JVM ----

    /** {@code pooly status --json}, parsed. */
    JsonNode status() {
        CliRun run = CliRun.inProcess("status", "--json", "-s", socket.toString());
        if (run.exit() != 0) throw new IllegalStateException("status: " + run);
        try {
            return JSON.readTree(run.out());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    JsonNode pool(String name) {
        for (JsonNode pool : status().get("pools")) {
            if (pool.get("name").asText().equals(name)) return pool;
        }
        throw new AssertionError("no pool " + name + " in the status");
    }

    /** The tree node {@code id}. */
    JsonNode node(String id) {
        return nodes(status().get("tree")).stream().filter(n -> n.get("id").asText().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no node " + id + " in the status"));
    }

    /** Every node of {@code tree}, depth first, in file order. */
    static List<JsonNode> nodes(JsonNode tree) {
        List<JsonNode> all = new ArrayList<>();
        all.add(tree);
        for (JsonNode child : tree.path("children")) all.addAll(nodes(child));
        return all;
    }

    /** The pid of every node that has one (processes and workers), by id. */
    Map<String, Long> pidsById() {
        Map<String, Long> pids = new LinkedHashMap<>();
        for (JsonNode n : nodes(status().get("tree"))) {
            if (n.has("pid")) pids.put(n.get("id").asText(), n.get("pid").asLong());
        }
        return pids;
    }

    /** Every pid the status names: processes, and the workers of every pool. */
    Set<Long> allPids() {
        JsonNode status = status();
        Set<Long> pids = new TreeSet<>();
        for (JsonNode n : nodes(status.get("tree"))) {
            if (n.has("pid")) pids.add(n.get("pid").asLong());
        }
        for (JsonNode pool : status.get("pools")) {
            for (JsonNode w : pool.get("workers")) pids.add(w.get("pid").asLong());
        }
        return pids;
    }

    /** The pids of a pool's workers, in the status' order. */
    List<Long> workerPids(String pool) {
        List<Long> pids = new ArrayList<>();
        for (JsonNode w : pool(pool).get("workers")) pids.add(w.get("pid").asLong());
        return pids;
    }

    /** Waits until {@code pool} is at rest: {@code idle} idle workers, none busy, no overflow, nobody waiting. */
    JsonNode awaitIdle(String pool, int idle) {
        return await().until(() -> pool(pool), p -> atRest(p, idle));
    }

    private static boolean atRest(JsonNode pool, int idle) {
        if (pool.get("idle").asInt() != idle || pool.get("busy").asInt() != 0 || pool.get("overflow").asInt() != 0
                || pool.get("waiting").asInt() != 0 || pool.get("workers").size() != idle) return false;
        for (JsonNode w : pool.get("workers")) {
            if (!w.get("state").asText().equals("idle")) return false;
        }
        return true;
    }

    // ---- the daemon process itself ----

    long pid() { return process.pid(); }

    Path dir() { return dir; }

    Path config() { return config; }

    Path socket() { return socket; }

    boolean isRunning() { return process.isAlive(); }

    /** The daemon's stderr so far. */
    String log() { return read(log); }

    /** SIGTERM, then the daemon's exit code. */
    int terminate() {
        process.destroy();
        return awaitExit();
    }

    /** Sends SIGTERM and returns at once (see {@link #awaitExit()}). */
    void sigterm() {
        process.destroy();
    }

    /** SIGKILL: the daemon gets no chance to stop anything. */
    void killHard() {
        process.destroyForcibly();
        awaitExit();
    }

    int awaitExit() {
        try {
            if (!process.waitFor(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) fail("the daemon did not exit; its log:\n" + log());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        return process.exitValue();
    }

    @Override public void close() {
        clients.forEach(Client::close);
        if (!process.isAlive()) return;
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    // ---- processes ----

    /**
     * Whether {@code pid} runs. A killed process whose parent is gone may linger as a zombie under
     * this sandbox's pid 1, which does not reap it; a zombie runs nothing, so it counts as dead.
     */
    static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException gone) {
            return false;
        }
    }

    /** The command line of {@code pooly args...} with the test JDK and the shaded jar. */
    static List<String> pooly(String... args) {
        List<String> command = new ArrayList<>(List.of(JAVA));
        command.addAll(LAUNCH.options());
        // JVM warnings (say, a cache the JVM declines) go to stderr, never into stdout's JSON.
        command.addAll(List.of("-Xlog:disable", "-Xlog:all=warning:stderr", "-jar", LAUNCH.jar().toString()));
        command.addAll(List.of(args));
        return command;
    }

    private List<String> withConfig(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("-c", config.toString()));
        return all;
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * C1 only, the serial GC, and the classes a CLI run loads cached ahead of time (an AOT cache from
     * JDK 25, a CDS archive before): a CLI process then starts in a third of the time on a busy
     * machine. The JVM accepts a cache only for the jar file it was made with, and every
     * {@code package} re-shades target/pooly.jar with new timestamps; so the processes run a copy
     * in target/it-cds named by the jar's contents, and its cache is made once per change of code.
     * Should anything here fail, the processes run target/pooly.jar itself, just slower.
     */
    private record Launch(Path jar, List<String> options) {
        static Launch prepare() {
            assertThat(JAR).as("the shaded CLI jar; run `mvn -pl cli verify`, which packages it first").exists();
            List<String> jit = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
            // A class-data archive (dynamic CDS), as bin/pooly uses, not JDK 25's AOT cache: on Temurin
            // 25.0.3 assembling an AOT cache of this jar crashes the JVM (archiveHeapWriter.cpp:757),
            // leaving an empty file that every later JVM complains about on stderr.
            boolean aot = false;
            try {
                Path dir = Files.createDirectories(Path.of("target/it-cds").toAbsolutePath());
                String name = "pooly-" + fingerprint(JAR);
                Path jar = dir.resolve(name + ".jar");
                Path cache = dir.resolve(name + (aot ? ".aot" : ".jsa"));
                List<String> options = new ArrayList<>(jit);
                options.add((aot ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=") + cache);
                if (Files.exists(jar) && Files.exists(cache)) return new Launch(jar, options);

                try (var old = Files.list(dir)) {
                    for (Path file : old.toList()) Files.delete(file);
                }
                Files.copy(JAR, jar);
                Path config = Files.writeString(dir.resolve("pooly.yaml"), "version: 1\ncontrol: {socket: nobody.sock}\n"
                        + "supervisor:\n  children:\n    - process: {id: p, command: [cat]}\n");
                Path temp = dir.resolve("training.tmp");
                List<String> training = new ArrayList<>(List.of(JAVA));
                training.addAll(jit);
                training.addAll(List.of((aot ? "-XX:AOTCacheOutput=" : "-XX:ArchiveClassesAtExit=") + temp, "-Xlog:disable",
                        "-jar", jar.toString(), "status", "--json", "-c", config.toString()));
                Process run = new ProcessBuilder(training).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                if (run.waitFor(2, TimeUnit.MINUTES) && run.exitValue() == 0 && Files.exists(temp) && Files.size(temp) > 0) {
                    Files.move(temp, cache, StandardCopyOption.ATOMIC_MOVE);
                    return new Launch(jar, options);
                }
                run.destroyForcibly();
            } catch (IOException e) {
                // No cache: every process just starts slower.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Launch(JAR, jit);
        }

        /** The jar's entries' names and CRCs, and the JDK: what the cache depends on, without the timestamps. */
        private static String fingerprint(Path jar) throws IOException {
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                digest.update(Runtime.version().toString().getBytes(StandardCharsets.UTF_8));
                for (ZipEntry entry : zip.stream().sorted(Comparator.comparing(ZipEntry::getName)).toList()) {
                    digest.update((entry.getName() + ":" + entry.getCrc() + ":" + entry.getSize() + "\n").getBytes(StandardCharsets.UTF_8));
                }
                return HexFormat.of().formatHex(digest.digest(), 0, 8);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
