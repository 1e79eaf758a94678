package dev.pooly.cli;

import dev.pooly.cli.client.Messages;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.Map;

/** {@code --timeout D} and {@code --no-wait}, shared by {@code call} and {@code checkout}. */
final class LeaseOptions {
    @Option(names = "--timeout", paramLabel = "D", converter = DurationConverter.class,
            description = "How long to wait for a worker (default: the pool's checkout_timeout), e.g. 500ms, 5s.")
    Duration timeout;

    @Option(names = "--no-wait", description = "Exit 75 at once if no worker is free and no overflow worker can start.")
    boolean noWait;

    Map<String, Object> request(String pool, String mode) {
        Map<String, Object> request = Messages.of("op", "lease", "pool", pool, "mode", mode);
        if (timeout != null) request.put("timeout_ms", timeout.toMillis());
        if (noWait) request.put("no_wait", true);
        return request;
    }
}
