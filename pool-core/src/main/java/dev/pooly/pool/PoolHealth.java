package dev.pooly.pool;

import java.time.Duration;
import java.util.Objects;

/**
 * A pool's health check: {@code request} is written to an idle worker every {@code every}, and the
 * worker must answer {@code expect} within {@code timeout}, or it is killed and replaced (exit reason
 * {@code health}). A worker being checked is not lent: a caller waits for it as for a busy worker.
 * With {@code onCheckout}, every worker is also checked just before it is lent, and an unhealthy one
 * is replaced while the caller waits on within its checkout timeout (Apache Tika's ForkParser pings on
 * every acquire). The request and its answer are one frame each in the pool's framing: one line on a
 * {@code line} pool, several lines on an {@code until} pool, and so on; a request the framing cannot
 * carry is refused when the {@link PoolSpec} is made. Immutable.
 *
 * @param every zero: no periodic check (only {@code onCheckout}, if set)
 */
public record PoolHealth(String request, String expect, Duration every, Duration timeout, boolean onCheckout) {

    public PoolHealth {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(expect, "expect");
        // Line breaks are for the pool's framing to allow (until, json, packet, ...): PoolSpec checks it there.
        if (request.isEmpty()) throw new IllegalArgumentException("health request must not be empty");
        Objects.requireNonNull(every, "every");
        Objects.requireNonNull(timeout, "timeout");
        if (every.isNegative()) throw new IllegalArgumentException("health every must not be negative, was " + every);
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("health timeout must be positive, was " + timeout);
    }

    /** {@code {request: PING, expect: PONG, every: 10s, timeout: 1s, on_checkout: false}}, the contract's example. */
    public static PoolHealth ping(String request, String expect) {
        return new PoolHealth(request, expect, Duration.ofSeconds(10), Duration.ofSeconds(1), false);
    }
}
