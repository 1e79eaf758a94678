package dev.pooly.pool;

import dev.pooly.supervisor.Intensity;
import dev.pooly.supervisor.ProcessSpec;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pool's options and their defaults, as the contract names them. */
class PoolSpecTest {

    private static final ProcessSpec CAT = ProcessSpec.of("w", "cat");

    @Test
    void defaultsAreTheContracts() {
        PoolSpec spec = PoolSpec.of("p", CAT, 2, 3);

        assertThat(spec.strategy()).isEqualTo(PoolStrategy.LIFO);
        assertThat(spec.checkoutTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(spec.overflowTtl()).isEqualTo(Duration.ZERO);
        assertThat(spec.maxUses()).isZero();
        assertThat(spec.leaseTimeout()).isEqualTo(Duration.ZERO);
        assertThat(spec.onAbandon()).isEqualTo(OnAbandon.REPLACE);
    }

    @Test
    void withersChangeOneOptionEach() {
        PoolSpec base = PoolSpec.of("p", CAT, 2, 3);
        Intensity intensity = Intensity.of(7, Duration.ofSeconds(9));

        PoolSpec changed = base.withStrategy(PoolStrategy.FIFO).withCheckoutTimeout(Duration.ofMillis(250))
                .withOverflowTtl(Duration.ofSeconds(2)).withMaxUses(10).withLeaseTimeout(Duration.ofMinutes(1))
                .withOnAbandon(OnAbandon.RETURN).withIntensity(intensity);

        assertThat(changed).isEqualTo(new PoolSpec("p", CAT, 2, 3, PoolStrategy.FIFO, Duration.ofMillis(250),
                Duration.ofSeconds(2), 10, Duration.ofMinutes(1), OnAbandon.RETURN, intensity));
        assertThat(base.strategy()).as("the original is untouched").isEqualTo(PoolStrategy.LIFO);
    }

    @Test
    void negativeCountsAreRejectedNamingThePoolAndTheOption() {
        assertThatThrownBy(() -> PoolSpec.of("p", CAT, -1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pool p").hasMessageContaining("size");
        assertThatThrownBy(() -> PoolSpec.of("p", CAT, 1, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pool p").hasMessageContaining("max_overflow");
        assertThatThrownBy(() -> PoolSpec.of("p", CAT, 1, 0).withMaxUses(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pool p").hasMessageContaining("max_uses");
    }

    @Test
    void aPoolNeedsAName() {
        assertThatThrownBy(() -> PoolSpec.of(" ", CAT, 1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("name");
    }

    @Test
    void negativeDurationsAreRejected() {
        PoolSpec spec = PoolSpec.of("p", CAT, 1, 0);
        assertThatThrownBy(() -> spec.withCheckoutTimeout(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("checkout_timeout");
        assertThatThrownBy(() -> spec.withOverflowTtl(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("overflow_ttl");
        assertThatThrownBy(() -> spec.withLeaseTimeout(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lease_timeout");
    }
}
