package dev.pooly.cli;

import dev.pooly.cli.client.ControlClient;
import dev.pooly.cli.client.Messages;
import dev.pooly.config.ConfigException;
import dev.pooly.config.ConfigLoader;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * Not a command: what {@code bin/pooly} runs once, under {@code -XX:ArchiveClassesAtExit}, to make the
 * class-data archive the client commands then start from. It loads what those commands load (picocli's
 * model and help, the fast path, the YAML config reader, the protocol's JSON, a connection attempt),
 * so the archive does not depend on which command happened to run first. It prints nothing, touches
 * no daemon and always exits 0; a failure here only makes the archive smaller.
 */
final class Training {
    private Training() {}

    public static void main(String[] args) {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        ByteArrayInputStream none = new ByteArrayInputStream(new byte[0]);
        Pooly.commandLine(none, sink, sink).execute("call", "--help");
        Pooly.commandLine(none, sink, sink, "status").execute("status", "--frobnicate");
        FastPath.parse(new String[] {"call", "upper", "hello", "--timeout", "5s", "--no-wait", "-s", "x.sock"}, new Pooly(none, sink));
        FastPath.parse(new String[] {"status", "--json", "-c", "pooly.yaml"}, new Pooly(none, sink));
        try {
            ConfigLoader.load("""
                    version: 1
                    control: {socket: pooly.sock}
                    logs: {dir: logs, max_bytes: 10MB, backups: 3}
                    supervisor:
                      strategy: one_for_one
                      children:
                        - process: {id: p, command: [cat], shutdown: 5s, ready: {delay: 1s}}
                        - pool: {name: upper, command: [cat], size: 2, max_overflow: 1, checkout_timeout: 5s, ready: {line: READY, timeout: 10s}}
                    """, "training.yaml");
        } catch (ConfigException e) {
            // Loaded what it needed to reach the error; nothing to report.
        }
        Map<String, Object> reply = Messages.decode(new String(Messages.encode(Messages.of("ok", true, "status",
                Messages.of("pools", java.util.List.of(Messages.of("name", "upper", "idle", 2L))))), java.nio.charset.StandardCharsets.UTF_8));
        Messages.pretty(reply);
        try (ControlClient client = ControlClient.connect(Path.of("/nonexistent/pooly-training.sock"))) {
            client.flush();
        } catch (CliException expected) {
            // No daemon is meant to be there: the classes of a refused connection are loaded now.
        }
        System.exit(0);
    }
}
