package dev.pooly.config.internal;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SpellingTest {

    private static final List<String> POOL_KEYS = List.of("name", "command", "env", "cwd", "size", "max_overflow",
            "strategy", "checkout_timeout", "max_uses", "max_restarts", "max_seconds");

    @Test
    void aTypoWithinTwoEditsFindsTheKey() {
        assertThat(Spelling.closest("max_overflw", POOL_KEYS)).contains("max_overflow");
        assertThat(Spelling.closest("stratgey", POOL_KEYS)).contains("strategy");
    }

    @Test
    void camelCaseAndKebabCaseFindTheSnakeCaseKey() {
        assertThat(Spelling.closest("maxOverflow", POOL_KEYS)).contains("max_overflow");
        assertThat(Spelling.closest("checkout-timeout", POOL_KEYS)).contains("checkout_timeout");
    }

    @Test
    void aPrefixFindsTheKeyItStarts() {
        assertThat(Spelling.closest("checkout", POOL_KEYS)).contains("checkout_timeout");
    }

    @Test
    void aShortWordIsAllowedOneEditOnlySoUnrelatedShortKeysAreNotSuggested() {
        assertThat(Spelling.closest("id", POOL_KEYS)).isEmpty();
        assertThat(Spelling.closest("siz", POOL_KEYS)).contains("size");
    }

    @Test
    void levenshteinDistanceCountsInsertionsDeletionsAndSubstitutions() {
        assertThat(Spelling.distance("kitten", "sitting")).isEqualTo(3);
        assertThat(Spelling.distance("", "abc")).isEqualTo(3);
        assertThat(Spelling.distance("same", "same")).isZero();
    }
}
