package dev.pooly.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;

/**
 * Worker that serves a programmer-themed "Chuck Norris fact" from a bundled list, like the talk's
 * ChuckFetcher but without the network. A request that is a whole number N (surrounding blanks
 * ignored, any size, negative too) gets fact N modulo the number of facts, so answers are
 * deterministic; any other request, such as {@code random}, gets a random fact. Options: those of
 * {@link LineWorker}.
 */
public final class ChuckNorris {

    /** The bundled facts, next to this class: one a line; blank lines and {@code #} comments are skipped. */
    static final String FACTS_RESOURCE = "chuck-norris-facts.txt";

    private static final Pattern INDEX = Pattern.compile("-?\\d+");

    private ChuckNorris() {
    }

    /** Runs the worker until stdin ends. */
    public static void main(String[] args) {
        LineWorker.run(ChuckNorris.class, args, Map.of(), options -> {
            List<String> facts = facts();
            BigInteger count = BigInteger.valueOf(facts.size());
            Random random = new Random();
            return request -> {
                String index = request.strip();
                if (INDEX.matcher(index).matches()) {
                    // mod, not remainder: -1 is the last fact, as in a ring.
                    return facts.get(new BigInteger(index).mod(count).intValue());
                }
                return facts.get(random.nextInt(facts.size()));
            };
        });
    }

    /** The bundled facts, in file order. */
    static List<String> facts() throws IOException {
        try (InputStream in = ChuckNorris.class.getResourceAsStream(FACTS_RESOURCE)) {
            if (in == null) {
                throw new IOException("resource " + FACTS_RESOURCE + " is missing next to " + ChuckNorris.class.getName());
            }
            List<String> facts = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines()
                    .map(String::strip)
                    .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                    .toList();
            if (facts.isEmpty()) {
                throw new IOException("resource " + FACTS_RESOURCE + " holds no facts");
            }
            return facts;
        }
    }
}
