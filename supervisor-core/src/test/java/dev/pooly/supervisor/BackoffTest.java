package dev.pooly.supervisor;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackoffTest {

    private static final Backoff NO_JITTER = new Backoff(Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofSeconds(30), 2, 0);

    @Test
    void aRunOfAtLeastMinUptimeResetsTheStreakSoTheRestartIsImmediate() {
        assertThat(Backoff.DEFAULT.streakAfter(7, Duration.ofSeconds(1))).isZero();
        assertThat(Backoff.DEFAULT.delay(0, () -> 0.99)).isZero();
    }

    @Test
    void consecutiveShortRunsWaitMinThenGrowByFactorUpToMax() {
        int streak = 0;
        long[] expectedMs = {100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000};
        for (long ms : expectedMs) {
            streak = NO_JITTER.streakAfter(streak, Duration.ofMillis(5));
            assertThat(NO_JITTER.delay(streak, () -> 0.5)).isEqualTo(Duration.ofMillis(ms));
        }
    }

    @Test
    void jitterSpreadsTheDelayEitherWay() {
        assertThat(Backoff.DEFAULT.delay(1, () -> 0.0)).isEqualTo(Duration.ofMillis(80));
        assertThat(Backoff.DEFAULT.delay(1, () -> 0.5)).isEqualTo(Duration.ofMillis(100));
        assertThat(Backoff.DEFAULT.delay(1, () -> 1.0)).isEqualTo(Duration.ofMillis(120));
    }

    @Test
    void noneNeverDelays() {
        assertThat(Backoff.NONE.delay(Backoff.NONE.streakAfter(50, Duration.ZERO), () -> 0.3)).isZero();
    }

    @Property
    void delayStaysWithinMinAndMaxWidenedByJitter(@ForAll @IntRange(min = 1, max = 100_000) int streak,
                                                  @ForAll @DoubleRange(min = 0, max = 1, maxIncluded = false) double u,
                                                  @ForAll @DoubleRange(min = 0, max = 1) double jitter) {
        Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofSeconds(30), 2, jitter);
        Duration d = b.delay(streak, () -> u);
        assertThat(d.toNanos()).isBetween(Math.round(100e6 * (1 - jitter)) - 1, b.longest().toNanos() + 1);
    }

    @Property
    void delayNeverShrinksAsTheStreakGrowsWithoutJitter(@ForAll @IntRange(min = 1, max = 10_000) int streak) {
        assertThat(NO_JITTER.delay(streak + 1, () -> 0.5)).isGreaterThanOrEqualTo(NO_JITTER.delay(streak, () -> 0.5));
    }

    @Test
    void badValuesAreRefusedNamingTheKey() {
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(-1), Duration.ZERO, Duration.ZERO, 1, 0)).hasMessageContaining("min_uptime");
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(2), Duration.ofSeconds(1), 1, 0)).hasMessageContaining("below min");
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ZERO, Duration.ZERO, 0.5, 0)).hasMessageContaining("factor");
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ZERO, Duration.ZERO, 1, 1.5)).hasMessageContaining("jitter");
    }
}
