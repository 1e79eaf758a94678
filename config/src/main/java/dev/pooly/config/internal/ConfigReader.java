package dev.pooly.config.internal;

import dev.pooly.config.BackoffSetting;
import dev.pooly.config.ChildNode;
import dev.pooly.config.ConfigException;
import dev.pooly.config.ConfigSection;
import dev.pooly.config.Location;
import dev.pooly.config.DaemonLogSettings;
import dev.pooly.config.LogSettings;
import dev.pooly.config.MetricsSettings;
import dev.pooly.config.LogTarget;
import dev.pooly.config.OnAbandon;
import dev.pooly.config.PoolHealthSetting;
import dev.pooly.config.PoolNode;
import dev.pooly.config.ProcessHealthSetting;
import dev.pooly.config.PoolStrategy;
import dev.pooly.config.PoolyConfig;
import dev.pooly.config.ProcessNode;
import dev.pooly.config.ReadySetting;
import dev.pooly.config.RestartType;
import dev.pooly.config.ShutdownSetting;
import dev.pooly.config.SupervisorNode;
import dev.pooly.config.SupervisorStrategy;
import dev.pooly.config.internal.YamlNode.Mapping;
import dev.pooly.config.internal.YamlNode.Scalar;
import dev.pooly.config.internal.YamlNode.ScalarType;
import dev.pooly.config.internal.YamlNode.Sequence;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Turns the text of a {@code pooly.yaml} into a {@link PoolyConfig}, or into every problem it has.
 * Not thread-safe: one reader per load.
 */
public final class ConfigReader {

    // The contract's defaults.
    private static final int SUPERVISOR_MAX_RESTARTS = 3;
    private static final int POOL_MAX_RESTARTS = 5;
    private static final int MAX_SECONDS = 5;
    private static final Duration CHECKOUT_TIMEOUT = Duration.ofSeconds(5);
    private static final String SOCKET = "pooly.sock";
    private static final String LOG_DIR = "logs";
    private static final long LOG_MAX_BYTES = 10L << 20;
    private static final int LOG_BACKUPS = 3;

    // Ids end up in command lines, status output and log file names: no spaces, no slashes.
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    static final String EMPTY_FILE = "the file is empty; a config needs at least 'version: 1' and a 'supervisor'";
    private static final String COMMAND_EXAMPLE = "[redis-server, --port, \"7777\"]";

    private final Path file;
    private final Path baseDir;
    private final ProblemLog problems;
    private final Map<String, Claim> ids = new HashMap<>();

    /** Who first took an id, for the message about the second. */
    private record Claim(String owner, Location location) {}

    private ConfigReader(Path file) {
        this.file = file;
        Path absolute = file.toAbsolutePath().normalize();
        this.baseDir = absolute.getParent() != null ? absolute.getParent() : absolute.getRoot();
        this.problems = new ProblemLog(file.toString());
    }

    /**
     * @param file the file as the user named it: problems carry it as written, relative paths in the
     *             config are resolved against its directory
     */
    public static PoolyConfig read(String text, Path file) throws ConfigException {
        ConfigReader reader = new ConfigReader(file);
        Optional<PoolyConfig> config = YamlTreeParser.parse(text, reader.problems).flatMap(reader::config);
        if (!reader.problems.isEmpty() || config.isEmpty()) {
            throw new ConfigException(reader.problems.problems());
        }
        return config.get();
    }

    /** A problem found before there is any YAML to read, such as bytes that are not UTF-8. */
    public static ConfigException unreadable(Path file, Location where, String message) {
        ProblemLog log = new ProblemLog(file.toString());
        log.add(where, message);
        return new ConfigException(log.problems());
    }

    private Optional<PoolyConfig> config(YamlNode document) {
        if (document instanceof Scalar scalar && (scalar.isEmpty() || scalar.type() == ScalarType.NULL)) {
            // "---" alone, or "~": a document with nothing in it.
            problems.add(new Location(1, 1), EMPTY_FILE);
            return Optional.empty();
        }
        if (!(document instanceof Mapping top)) {
            problems.add(document.location(), "the top level must be a mapping with version, control, logs and "
                    + "supervisor; got " + document.describe());
            return Optional.empty();
        }
        SectionReader reader = new SectionReader(ConfigSection.TOP_LEVEL, top, top.location(), problems);
        version(reader);
        Mapping control = reader.mapping("control").orElse(empty(top));
        Path socket = new SectionReader(ConfigSection.CONTROL, control, top.location(), problems)
                .path("socket", SOCKET, baseDir);
        LogSettings logs = logs(reader.mapping("logs").orElse(empty(top)));
        DaemonLogSettings log = reader.mapping("log").map(this::log).orElse(DaemonLogSettings.DEFAULT);
        Optional<MetricsSettings> metrics = reader.mapping("metrics").flatMap(this::metrics);
        Optional<dev.pooly.config.HttpSettings> http = reader.mapping("http").map(m -> HttpSectionReader.read(m, baseDir, problems));
        Duration drain = reader.mapping("shutdown")
                .map(m -> new SectionReader(ConfigSection.DAEMON_SHUTDOWN, m, m.location(), problems).duration("drain", PoolyConfig.DEFAULT_DRAIN))
                .orElse(PoolyConfig.DEFAULT_DRAIN);
        Optional<Mapping.Entry> supervisor = reader.entry("supervisor");
        if (supervisor.isEmpty()) {
            problems.add(top.location(), "missing 'supervisor': the root of the supervision tree");
            return Optional.empty();
        }
        return nodeMapping(supervisor.get())
                .map(mapping -> new PoolyConfig(1, file, baseDir, socket, logs, supervisor(supervisor.get(), mapping, true),
                        metrics, drain, log, http));
    }

    /** {@code log: {level, format}}: the daemon's own log. */
    private DaemonLogSettings log(Mapping mapping) {
        SectionReader reader = new SectionReader(ConfigSection.LOG, mapping, mapping.location(), problems);
        return new DaemonLogSettings(
                reader.choice("level", DaemonLogSettings.Level.values(), DaemonLogSettings.DEFAULT.level()),
                reader.choice("format", DaemonLogSettings.Format.values(), DaemonLogSettings.DEFAULT.format()));
    }

    private void version(SectionReader reader) {
        Optional<Mapping.Entry> version = reader.entry("version");
        if (version.isEmpty()) {
            problems.add(reader.owner(), "missing 'version: 1'");
        } else if (!(version.get().value() instanceof Scalar scalar
                && scalar.type() == ScalarType.INTEGER && scalar.integer().equals(BigInteger.ONE))) {
            problems.add(SectionReader.at(version.get()), "version must be 1, got " + version.get().value().describe());
        }
    }

    /** {@code metrics.listen: HOST:PORT} ({@code [v6]:PORT} for an IPv6 address); required when the section is there. */
    private Optional<MetricsSettings> metrics(Mapping mapping) {
        SectionReader reader = new SectionReader(ConfigSection.METRICS, mapping, mapping.location(), problems);
        Optional<Mapping.Entry> entry = reader.entry("listen");
        if (entry.isEmpty()) {
            problems.add(mapping.location(), "metrics needs 'listen: HOST:PORT', e.g. 127.0.0.1:9464 (leave out 'metrics' for no listener)");
            return Optional.empty();
        }
        Optional<String> text = reader.string("listen");
        if (text.isEmpty()) return Optional.empty();
        return HttpSectionReader.listenAddress(text.get(), entry.get(), problems, "metrics.listen",
                "e.g. 127.0.0.1:9464, 0.0.0.0:9464 or [::1]:9464");
    }

    private LogSettings logs(Mapping mapping) {
        SectionReader reader = new SectionReader(ConfigSection.LOGS, mapping, mapping.location(), problems);
        return new LogSettings(
                reader.path("dir", LOG_DIR, baseDir),
                reader.size("max_bytes", LOG_MAX_BYTES),
                reader.integer("backups", LOG_BACKUPS, 0),
                reader.choice("to", LogTarget.values(), LogTarget.FILES));
    }

    private SupervisorNode supervisor(Mapping.Entry entry, Mapping mapping, boolean root) {
        Location at = entry.keyLocation();
        SectionReader reader = new SectionReader(ConfigSection.SUPERVISOR, mapping, at, problems);
        String id;
        if (root && reader.entry("id").isEmpty()) {
            id = SupervisorNode.ROOT_ID;
            ids.put(id, new Claim("root supervisor", at));
        } else {
            id = id(reader, "id", "supervisor");
        }
        SupervisorStrategy strategy = reader.choice("strategy", SupervisorStrategy.values(), SupervisorStrategy.ONE_FOR_ONE);
        int maxRestarts = reader.integer("max_restarts", SUPERVISOR_MAX_RESTARTS, 0);
        int maxSeconds = reader.integer("max_seconds", MAX_SECONDS, 1);
        List<ChildNode> children = new ArrayList<>();
        for (YamlNode item : reader.list("children").orElse(List.of())) {
            children.addAll(children(item));
        }
        return new SupervisorNode(id, strategy, maxRestarts, maxSeconds, children, at);
    }

    /** The node of one {@code children} item: normally one, more only in a file that is already wrong. */
    private List<ChildNode> children(YamlNode item) {
        if (!(item instanceof Mapping entry)) {
            problems.add(item.location(), "a child entry must be a mapping with one key, process, pool or supervisor; got "
                    + item.describe());
            return List.of();
        }
        List<Mapping.Entry> kinds = entry.entries().stream()
                .filter(e -> ConfigSection.CHILD.keys().contains(e.key()))
                .toList();
        for (Mapping.Entry e : entry.entries()) {
            if (ConfigSection.CHILD.keys().contains(e.key())) continue;
            // "- process:" followed by "  id: x" at the same indent makes id a sibling of process.
            boolean misindented = kinds.size() == 1 && section(kinds.getFirst().key()).keys().contains(e.key());
            problems.add(e.keyLocation(), misindented
                    ? "unknown key '" + e.key() + "' in a child entry; indent it under '" + kinds.getFirst().key() + "'"
                    : SectionReader.unknownKey(ConfigSection.CHILD, e.key()));
        }
        if (entry.entries().isEmpty()) {
            problems.add(entry.location(), "a child entry is empty; write process:, pool: or supervisor:");
        }
        if (kinds.size() > 1) {
            problems.add(kinds.get(1).keyLocation(), "a child entry takes one of process, pool or supervisor, got both '"
                    + kinds.get(0).key() + "' and '" + kinds.get(1).key() + "'; start each child with its own '-'");
        }
        return kinds.stream().flatMap(kind -> child(kind).stream()).toList();
    }

    private Optional<ChildNode> child(Mapping.Entry entry) {
        return nodeMapping(entry).map(mapping -> switch (entry.key()) {
            case "process" -> process(entry, mapping);
            case "pool" -> pool(entry, mapping);
            default -> supervisor(entry, mapping, false);
        });
    }

    /**
     * The settings of a node. Anything else, {@code process:} with nothing after it included, is
     * one problem; reading on would only add "missing id" and "missing command" about the same slip.
     */
    private Optional<Mapping> nodeMapping(Mapping.Entry entry) {
        if (entry.value() instanceof Mapping mapping) return Optional.of(mapping);
        problems.add(SectionReader.at(entry), entry.key() + " must be a mapping of its settings, got " + entry.value().describe());
        return Optional.empty();
    }

    private static ConfigSection section(String kind) {
        return switch (kind) {
            case "process" -> ConfigSection.PROCESS;
            case "pool" -> ConfigSection.POOL;
            default -> ConfigSection.SUPERVISOR;
        };
    }

    private ProcessNode process(Mapping.Entry entry, Mapping mapping) {
        SectionReader reader = new SectionReader(ConfigSection.PROCESS, mapping, entry.keyLocation(), problems);
        return new ProcessNode(
                id(reader, "id", "process"),
                command(reader),
                env(reader),
                reader.path("cwd", ".", baseDir),
                reader.choice("restart", RestartType.values(), RestartType.PERMANENT),
                shutdown(reader),
                ready(reader),
                entry.keyLocation(),
                backoff(reader),
                processHealth(reader),
                reader.size("max_memory", 0));
    }

    private PoolNode pool(Mapping.Entry entry, Mapping mapping) {
        SectionReader reader = new SectionReader(ConfigSection.POOL, mapping, entry.keyLocation(), problems);
        String name = id(reader, "name", "pool");
        List<String> command = command(reader);
        Map<String, String> env = env(reader);
        Path cwd = reader.path("cwd", ".", baseDir);
        int size = reader.integer("size", 1, 0);
        int maxOverflow = reader.integer("max_overflow", 0, 0);
        if (size == 0 && maxOverflow == 0) {
            Location at = reader.entry("size").map(Mapping.Entry::keyLocation).orElse(entry.keyLocation());
            problems.add(at, "pool '" + name + "' could never lend a worker: size and max_overflow are both 0");
        }
        PoolNode node = new PoolNode(
                name,
                command,
                env,
                cwd,
                size,
                maxOverflow,
                reader.choice("strategy", PoolStrategy.values(), PoolStrategy.LIFO),
                reader.duration("checkout_timeout", CHECKOUT_TIMEOUT),
                reader.duration("overflow_ttl", Duration.ZERO),
                reader.longInteger("max_uses", 0, 0, Long.MAX_VALUE),
                reader.duration("lease_timeout", Duration.ZERO),
                reader.choice("on_abandon", OnAbandon.values(), OnAbandon.REPLACE),
                ready(reader),
                shutdown(reader),
                reader.integer("max_restarts", POOL_MAX_RESTARTS, 0),
                reader.integer("max_seconds", MAX_SECONDS, 1),
                entry.keyLocation(),
                backoff(reader),
                poolHealth(reader),
                reader.size("max_memory", 0),
                FramingReader.read(reader, problems));
        healthFitsFraming(reader, node);
        return node;
    }

    /** The health request is one frame of the pool's framing: several lines only where the framing carries them. */
    private void healthFitsFraming(SectionReader reader, PoolNode node) {
        if (node.health() == null) return;
        String request = node.health().request();
        String why = switch (node.framing().kind()) {
            case LINE -> request.contains("\n") || request.contains("\r")
                    ? "health request must be one line on a pool with framing line; a framing such as until, json or packet carries several" : null;
            case NUL -> request.indexOf('\0') >= 0 ? "health request must not contain a NUL byte on a pool with framing nul" : null;
            default -> null;
        };
        if (why == null) return;
        Location at = reader.entry("health").map(health -> health.value() instanceof Mapping m
                ? m.entries().stream().filter(e -> e.key().equals("request")).findFirst().map(SectionReader::at).orElse(health.keyLocation())
                : health.keyLocation()).orElseThrow();
        problems.add(at, why);
    }

    /** The id (or pool name), checked to be well-formed and unique in the whole file. */
    private String id(SectionReader reader, String key, String kind) {
        Optional<Mapping.Entry> entry = reader.entry(key);
        if (entry.isEmpty()) {
            problems.add(reader.owner(), kind + " is missing its '" + key + "'");
            return "";
        }
        Optional<String> id = reader.string(key);
        if (id.isEmpty()) return "";
        Location at = SectionReader.at(entry.get());
        if (!ID.matcher(id.get()).matches()) {
            problems.add(at, key + " '" + id.get() + "' must start with a letter or digit and hold only letters, "
                    + "digits, '.', '_' and '-'");
        }
        Claim first = ids.putIfAbsent(id.get(), new Claim(kind, at));
        if (first != null) {
            problems.add(at, "duplicate " + key + " '" + id.get() + "': already used by the " + first.owner() + " at "
                    + first.location() + "; ids and pool names are unique in the whole file");
        }
        return id.get();
    }

    private List<String> command(SectionReader reader) {
        Optional<Mapping.Entry> found = reader.entry("command");
        if (found.isEmpty()) {
            problems.add(reader.owner(), "missing 'command': the program and its arguments as a list, e.g. " + COMMAND_EXAMPLE);
            return List.of("");
        }
        Mapping.Entry entry = found.get();
        if (!(entry.value() instanceof Sequence sequence)) {
            problems.add(SectionReader.at(entry), "command must be a list of strings, program first (no shell is used), e.g. "
                    + COMMAND_EXAMPLE + "; got " + entry.value().describe());
            return List.of("");
        }
        if (sequence.items().isEmpty()) {
            problems.add(sequence.location(), "command is empty; its first item is the program to run");
            return List.of("");
        }
        List<String> argv = new ArrayList<>();
        for (int i = 0; i < sequence.items().size(); i++) {
            YamlNode item = sequence.items().get(i);
            if (item instanceof Scalar scalar && scalar.type() == ScalarType.STRING) {
                argv.add(scalar.text());
            } else {
                String hint = item instanceof Scalar scalar && scalar.type() != ScalarType.NULL
                        ? "; quote it: \"" + scalar.text() + "\"" : "";
                problems.add(item.location(), "command[" + i + "] must be a string, got " + item.describe() + hint);
                argv.add("");
            }
        }
        if (argv.getFirst().isEmpty() && sequence.items().getFirst() instanceof Scalar first && first.type() == ScalarType.STRING) {
            problems.add(first.location(), "command[0] is empty; it must name the program to run");
        }
        return argv;
    }

    private Map<String, String> env(SectionReader reader) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Mapping.Entry variable : reader.mapping("env").map(Mapping::entries).orElse(List.of())) {
            String name = variable.key();
            if (name.isEmpty() || name.contains("=") || name.contains("\0")) {
                problems.add(variable.keyLocation(), "env name '" + name + "' must be non-empty and hold no '='");
            }
            // Values are kept as written: PORT: 8080 and DEBUG: yes mean the strings "8080" and "yes".
            if (variable.value() instanceof Scalar scalar && scalar.type() != ScalarType.NULL) {
                env.put(name, scalar.text());
            } else {
                problems.add(SectionReader.at(variable), "env " + name + " must be a string, got "
                        + variable.value().describe() + (variable.value() instanceof Scalar ? "; write \"\" for an empty value" : ""));
            }
        }
        return env;
    }

    private ShutdownSetting shutdown(SectionReader reader) {
        Optional<Mapping.Entry> entry = reader.entry("shutdown");
        if (entry.isEmpty()) return ShutdownSetting.DEFAULT;
        if (entry.get().value() instanceof Scalar scalar && scalar.type() == ScalarType.STRING) {
            switch (scalar.text()) {
                case "brutal_kill" -> { return new ShutdownSetting.BrutalKill(); }
                case "infinity" -> { return new ShutdownSetting.Infinity(); }
                default -> { }
            }
        }
        return reader.duration(entry.get(), ", or brutal_kill or infinity")
                .<ShutdownSetting>map(ShutdownSetting.Timeout::new)
                .orElse(ShutdownSetting.DEFAULT);
    }

    private ProcessHealthSetting processHealth(SectionReader reader) {
        Optional<Mapping.Entry> found = reader.entry("health");
        if (found.isEmpty()) return null;
        Optional<Mapping> mapping = reader.mapping("health");
        if (mapping.isEmpty()) return null;
        SectionReader h = new SectionReader(ConfigSection.PROCESS_HEALTH, mapping.get(), found.get().keyLocation(), problems);
        List<String> command = h.entry("command").isPresent() ? command(h) : List.of();
        if (h.entry("command").isEmpty()) {
            problems.add(found.get().keyLocation(), "health needs a 'command': the check to run, exit 0 when healthy, e.g. "
                    + "[sh, -c, 'curl -fsS localhost:8080/health']");
        }
        Duration every = h.duration("every", ProcessHealthSetting.DEFAULT_EVERY);
        Duration timeout = h.duration("timeout", ProcessHealthSetting.DEFAULT_TIMEOUT);
        int retries = h.integer("retries", ProcessHealthSetting.DEFAULT_RETRIES, 1);
        Duration grace = h.duration("grace", ProcessHealthSetting.DEFAULT_GRACE);
        if (every.isZero()) problems.add(SectionReader.at(h.entry("every").orElseThrow()), "health every must be more than 0s");
        if (timeout.isZero()) problems.add(SectionReader.at(h.entry("timeout").orElseThrow()), "health timeout must be more than 0s");
        return new ProcessHealthSetting(command.isEmpty() ? List.of("?") : command, every, timeout, retries, grace);
    }

    private PoolHealthSetting poolHealth(SectionReader reader) {
        Optional<Mapping.Entry> found = reader.entry("health");
        if (found.isEmpty()) return null;
        Optional<Mapping> mapping = reader.mapping("health");
        if (mapping.isEmpty()) return null;
        SectionReader h = new SectionReader(ConfigSection.POOL_HEALTH, mapping.get(), found.get().keyLocation(), problems);
        Optional<String> request = h.string("request");
        Optional<String> expect = h.string("expect");
        Duration every = h.duration("every", PoolHealthSetting.DEFAULT_EVERY);
        Duration timeout = h.duration("timeout", PoolHealthSetting.DEFAULT_TIMEOUT);
        boolean onCheckout = h.bool("on_checkout", false);
        if (h.entry("request").isEmpty()) {
            Location at = h.entry("expect").map(Mapping.Entry::keyLocation).orElse(found.get().keyLocation());
            problems.add(at, "health needs a 'request': the line written to a worker to check it, e.g. PING"
                    + (h.entry("expect").isPresent() ? "; expect without request checks nothing" : ""));
        }
        if (h.entry("expect").isEmpty()) {
            problems.add(h.entry("request").map(Mapping.Entry::keyLocation).orElse(found.get().keyLocation()),
                    "health needs an 'expect': the answer a healthy worker gives, e.g. PONG");
        }
        if (timeout.isZero()) {
            problems.add(SectionReader.at(h.entry("timeout").orElseThrow()), "health timeout must be more than 0s");
        }
        if (every.isZero() && !onCheckout) {
            problems.add(SectionReader.at(h.entry("every").orElseThrow()),
                    "health every 0s checks nothing unless on_checkout is true");
        }
        return new PoolHealthSetting(request.orElse("?"), expect.orElse("?"), every, timeout, onCheckout);
    }

    private BackoffSetting backoff(SectionReader reader) {
        Optional<Mapping.Entry> found = reader.entry("backoff");
        if (found.isEmpty()) return BackoffSetting.DEFAULT;
        Optional<Mapping> mapping = reader.mapping("backoff");
        if (mapping.isEmpty()) return BackoffSetting.DEFAULT;
        SectionReader b = new SectionReader(ConfigSection.BACKOFF, mapping.get(), found.get().keyLocation(), problems);
        BackoffSetting d = BackoffSetting.DEFAULT;
        Duration minUptime = b.duration("min_uptime", d.minUptime());
        Duration min = b.duration("min", d.min());
        Duration max = b.duration("max", d.max());
        double factor = b.number("factor", d.factor(), 1, 1_000);
        double jitter = b.number("jitter", d.jitter(), 0, 1);
        String problem = BackoffSetting.check(min, max, factor, jitter);
        if (problem != null) {
            Location at = b.entry("max").or(() -> b.entry("min")).map(Mapping.Entry::keyLocation).orElse(found.get().keyLocation());
            problems.add(at, problem + " (max is the cap on the delay; min its start)");
            return d;
        }
        return new BackoffSetting(minUptime, min, max, factor, jitter);
    }

    private ReadySetting ready(SectionReader reader) {
        Optional<Mapping.Entry> found = reader.entry("ready");
        if (found.isEmpty()) return new ReadySetting.Immediate();
        Mapping.Entry entry = found.get();
        if (!(entry.value() instanceof Mapping mapping)) {
            problems.add(SectionReader.at(entry), "ready must be a mapping, {delay: 1s} or {line: READY, timeout: 10s}; got "
                    + entry.value().describe());
            return new ReadySetting.Immediate();
        }
        SectionReader ready = new SectionReader(ConfigSection.READY, mapping, entry.keyLocation(), problems);
        Optional<Mapping.Entry> delay = ready.entry("delay");
        Optional<Mapping.Entry> line = ready.entry("line");
        Optional<Mapping.Entry> timeout = ready.entry("timeout");
        if (delay.isPresent() && line.isPresent()) {
            Mapping.Entry second = later(delay.get(), line.get());
            problems.add(second.keyLocation(), "ready takes delay or line, not both");
        }
        if (timeout.isPresent() && line.isEmpty()) {
            problems.add(timeout.get().keyLocation(), "ready timeout goes with line: it bounds the wait for the ready line");
        }
        if (line.isPresent()) {
            String text = ready.string("line").orElse("");
            return new ReadySetting.Line(text, ready.duration("timeout", ReadySetting.DEFAULT_LINE_TIMEOUT));
        }
        if (delay.isPresent()) {
            return new ReadySetting.Delay(ready.duration("delay", Duration.ZERO));
        }
        return new ReadySetting.Immediate();
    }

    private static Mapping.Entry later(Mapping.Entry a, Mapping.Entry b) {
        Location x = a.keyLocation();
        Location y = b.keyLocation();
        boolean aFirst = x.line() < y.line() || (x.line() == y.line() && x.column() < y.column());
        return aFirst ? b : a;
    }

    private static Mapping empty(Mapping parent) {
        return new Mapping(List.of(), parent.location());
    }
}
