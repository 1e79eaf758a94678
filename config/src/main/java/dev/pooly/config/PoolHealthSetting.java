package dev.pooly.config;

import java.time.Duration;
import java.util.Objects;

/**
 * A pool's {@code health:} mapping: {@code request} written to idle workers every {@code every}, and
 * before each checkout if {@code onCheckout}; a worker that does not answer {@code expect} within
 * {@code timeout} is replaced. Immutable.
 *
 * @param every zero: no periodic check
 */
public record PoolHealthSetting(String request, String expect, Duration every, Duration timeout, boolean onCheckout) {
    public static final Duration DEFAULT_EVERY = Duration.ofSeconds(10);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);

    public PoolHealthSetting {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(expect, "expect");
        Objects.requireNonNull(every, "every");
        Objects.requireNonNull(timeout, "timeout");
    }
}
