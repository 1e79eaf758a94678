package dev.pooly.config.internal;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class QuantitiesTest {

    @Test
    void durationsTakeEachOfTheFourUnits() {
        assertThat(Quantities.duration("250ms")).contains(Duration.ofMillis(250));
        assertThat(Quantities.duration("5s")).contains(Duration.ofSeconds(5));
        assertThat(Quantities.duration("2m")).contains(Duration.ofMinutes(2));
        assertThat(Quantities.duration("1h")).contains(Duration.ofHours(1));
        assertThat(Quantities.duration("0s")).contains(Duration.ZERO);
    }

    @Test
    void aDurationWithoutAUnitOrWithAnotherOneIsNotADuration() {
        assertThat(Quantities.duration("5")).isEmpty();
        assertThat(Quantities.duration("5 s")).isEmpty();
        assertThat(Quantities.duration("1d")).isEmpty();
        assertThat(Quantities.duration("-1s")).isEmpty();
        assertThat(Quantities.duration("1.5s")).isEmpty();
    }

    @Test
    void aDurationTooLargeToHoldIsRejectedRatherThanWrappedAround() {
        assertThat(Quantities.duration("99999999999999999999s")).isEmpty();
        assertThat(Quantities.duration("9223372036854775807h")).isEmpty();
    }

    @Test
    void sizesAreBinaryMultiplesOfBytes() {
        assertThat(Quantities.size("512")).contains(512L);
        assertThat(Quantities.size("64KB")).contains(64L * 1024);
        assertThat(Quantities.size("10MB")).contains(10L * 1024 * 1024);
        assertThat(Quantities.size("1GB")).contains(1024L * 1024 * 1024);
    }

    @Test
    void aSizeInAnotherSpellingOrTooLargeForALongIsNotASize() {
        assertThat(Quantities.size("10mb")).isEmpty();
        assertThat(Quantities.size("10 MB")).isEmpty();
        assertThat(Quantities.size("1TB")).isEmpty();
        assertThat(Quantities.size("9999999999999GB")).isEmpty();
    }
}
