package dev.pooly.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChuckNorrisTest {

    @Test
    void chuckNorrisServesFactNModuloTheNumberOfFacts() throws Exception {
        List<String> facts = ChuckNorris.facts();
        int count = facts.size();
        String huge = BigInteger.TEN.pow(40).add(BigInteger.valueOf(3)).toString();
        try (WorkerProcess chuck = WorkerProcess.java(ChuckNorris.class)) {
            assertThat(chuck.call("0")).isEqualTo(facts.get(0));
            assertThat(chuck.call("7")).isEqualTo(facts.get(7));
            assertThat(chuck.call(String.valueOf(count))).isEqualTo(facts.get(0));
            assertThat(chuck.call(String.valueOf(count + 5))).isEqualTo(facts.get(5));
            assertThat(chuck.call(" 2 ")).isEqualTo(facts.get(2));
            assertThat(chuck.call("-1")).isEqualTo(facts.get(count - 1));
            assertThat(chuck.call(huge))
                    .isEqualTo(facts.get(new BigInteger(huge).mod(BigInteger.valueOf(count)).intValue()));
        }
    }

    @Test
    void chuckNorrisServesABundledFactForAnyOtherRequest() throws Exception {
        List<String> facts = ChuckNorris.facts();
        try (WorkerProcess chuck = WorkerProcess.java(ChuckNorris.class)) {
            for (String request : List.of("random", "random", "", "tell me one", "3.5", "-")) {
                assertThat(chuck.call(request)).as("answer to '%s'", request).isIn(facts);
            }
        }
    }

    @Test
    void chuckNorrisBundlesAboutThirtyDistinctFacts() throws Exception {
        List<String> facts = ChuckNorris.facts();

        assertThat(facts).hasSizeBetween(25, 50).doesNotHaveDuplicates();
        assertThat(facts).allSatisfy(fact -> assertThat(fact).contains("Chuck Norris").doesNotContain("\r", "\n"));
    }
}
