package dev.pooly.supervisor;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RestartWindowTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void admitsMaxRestartsWithinThePeriodAndRefusesTheNext() {
        var window = new RestartWindow(Intensity.of(3, Duration.ofSeconds(5)));
        assertThat(window.admit(0)).isTrue();
        assertThat(window.admit(SECOND)).isTrue();
        assertThat(window.admit(2 * SECOND)).isTrue();
        assertThat(window.admit(3 * SECOND)).isFalse();
    }

    @Test
    void forgetsRestartsOlderThanThePeriod() {
        var window = new RestartWindow(Intensity.of(3, Duration.ofSeconds(5)));
        window.admit(0);
        window.admit(SECOND);
        window.admit(2 * SECOND);
        assertThat(window.admit(6 * SECOND + SECOND / 2)).isTrue();
        assertThat(window.recent()).isEqualTo(2);
    }

    @Test
    void zeroMaxRestartsRefusesTheFirstRestart() {
        assertThat(new RestartWindow(Intensity.of(0, Duration.ofSeconds(5))).admit(42)).isFalse();
    }

    @Test
    void countsCorrectlyAcrossTheWrapOfNanoTime() {
        // System.nanoTime may start anywhere, so two restarts 2 s apart can straddle the overflow.
        var window = new RestartWindow(Intensity.of(1, Duration.ofSeconds(5)));
        assertThat(window.admit(Long.MAX_VALUE - SECOND)).isTrue();
        assertThat(window.admit(Long.MIN_VALUE + SECOND)).isFalse();
    }

    @Test
    void verdictSaysWhatWasExceeded() {
        var window = new RestartWindow(Intensity.of(3, Duration.ofSeconds(5)));
        assertThat(window.verdict()).contains("3").contains("5");
    }

    @Test
    void intensityRejectsNonsense() {
        assertThatThrownBy(() -> Intensity.of(-1, Duration.ofSeconds(5))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Intensity.of(3, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
