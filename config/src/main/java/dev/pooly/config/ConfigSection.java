package dev.pooly.config;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SequencedSet;

/**
 * The mappings a config file is made of and the keys each one accepts. This is the one list of
 * keys: the loader rejects any other, and a test holds {@code pooly.schema.json} to it. Immutable.
 */
public enum ConfigSection {
    TOP_LEVEL("the top level", "version", "control", "logs", "log", "metrics", "http", "shutdown", "supervisor"),
    CONTROL("control", "socket"),
    METRICS("metrics", "listen"),
    HTTP("http", "socket", "listen", "token_file"),
    /** The top-level {@code shutdown} (the daemon's), not a child's {@code shutdown} value. */
    DAEMON_SHUTDOWN("shutdown", "drain"),
    LOGS("logs", "dir", "max_bytes", "backups", "to"),
    /** The daemon's own log ({@code log}), not its children's output ({@code logs}). */
    LOG("log", "level", "format"),
    SUPERVISOR("supervisor", "id", "strategy", "max_restarts", "max_seconds", "children"),
    /** An item of {@code children}: exactly one of these keys. */
    CHILD("a child entry", "process", "pool", "supervisor"),
    PROCESS("process", "id", "command", "env", "cwd", "restart", "shutdown", "ready", "backoff", "health", "max_memory"),
    POOL("pool", "name", "command", "env", "cwd", "size", "max_overflow", "strategy", "checkout_timeout",
            "overflow_ttl", "max_uses", "lease_timeout", "on_abandon", "ready", "shutdown", "max_restarts",
            "max_seconds", "backoff", "health", "max_memory", "framing"),
    /** A pool's {@code framing} written as a mapping. */
    FRAMING("framing", "kind", "end", "after", "size", "max"),
    READY("ready", "delay", "line", "timeout"),
    BACKOFF("backoff", "min_uptime", "min", "max", "factor", "jitter"),
    POOL_HEALTH("a pool's health", "request", "expect", "every", "timeout", "on_checkout"),
    PROCESS_HEALTH("a process's health", "command", "every", "timeout", "retries", "grace");

    private final String description;
    private final SequencedSet<String> keys;

    ConfigSection(String description, String... keys) {
        this.description = description;
        this.keys = Collections.unmodifiableSequencedSet(new LinkedHashSet<>(List.of(keys)));
    }

    /** The keys this mapping accepts, in the order the contract lists them. */
    public SequencedSet<String> keys() {
        return keys;
    }

    /** How messages name this mapping, e.g. {@code pool} or {@code the top level}. */
    public String description() {
        return description;
    }
}
