package dev.pooly.examples;

import java.time.Duration;
import java.util.Map;

/**
 * Worker that echoes each request after a delay: {@code --delay=DURATION} ({@code 250ms}, {@code 5s},
 * {@code 2m}, {@code 1h}; default {@code 100ms}). Other options: those of {@link LineWorker}.
 */
public final class Slow {

    /** The delay when {@code --delay} is not given. */
    public static final Duration DEFAULT_DELAY = Duration.ofMillis(100);

    private Slow() {
    }

    /** Runs the worker until stdin ends. */
    public static void main(String[] args) {
        LineWorker.run(Slow.class, args, Map.of("delay", "DURATION"), options -> {
            long delayMillis = options.duration("delay", DEFAULT_DELAY).toMillis();
            return request -> {
                // The delay is the point of this worker: it stands in for real work.
                Thread.sleep(delayMillis);
                return request;
            };
        });
    }
}
