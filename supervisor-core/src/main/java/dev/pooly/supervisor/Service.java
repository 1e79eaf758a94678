package dev.pooly.supervisor;

import java.time.Duration;

/**
 * An in-JVM child. {@link #start} runs on its supervisor's thread and returns once the service is
 * up (throwing counts as a failed start). A running service that fails calls
 * {@link ServiceContext#crash}; the supervisor then calls {@link #stop} and applies its strategy.
 *
 * <p>Thread-safety: {@code start} and {@code stop} are called by the owning supervisor, one at a
 * time, each once per instance; {@code stop} may be called without a successful {@code start}.
 * {@code stop} should return within {@code timeout} (a brutal kill passes {@link Duration#ZERO}).
 * Both run on the supervisor's own thread, so what {@code start} did is visible to {@code stop}; while
 * either runs the supervisor handles no other message, so neither may wait for it.
 */
public interface Service {
    void start(ServiceContext context) throws Exception;

    void stop(Duration timeout);
}
