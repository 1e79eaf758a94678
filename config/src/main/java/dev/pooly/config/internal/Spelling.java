package dev.pooly.config.internal;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds the word a user probably meant, for "did you mean 'max_overflow'?". Case, {@code _} and
 * {@code -} are ignored first, so {@code maxOverflow} and {@code max-overflow} are recognised.
 */
final class Spelling {

    private static final int MIN_PREFIX = 3;

    private Spelling() {}

    static Optional<String> closest(String typed, Collection<String> known) {
        String t = normalized(typed);
        // Two edits turn any short word into another ("id" into "cwd"): short words get one.
        int maxEdits = t.length() <= 4 ? 1 : 2;
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            String c = normalized(candidate);
            int distance = distance(t, c);
            boolean prefix = t.length() >= MIN_PREFIX && (c.startsWith(t) || t.startsWith(c));
            if ((distance <= maxEdits || prefix) && distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return Optional.ofNullable(best);
    }

    private static String normalized(String word) {
        return word.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
    }

    /** Levenshtein distance, two rows at a time. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) previous[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
