package dev.pooly.benchmarks;

import java.util.Arrays;

/** Durations measured by a harness, in nanoseconds, and their percentiles. Not thread-safe. */
final class Distribution {
    private long[] samples = new long[64];
    private int n;

    void add(long nanos) {
        if (n == samples.length) samples = Arrays.copyOf(samples, n * 2);
        samples[n++] = nanos;
    }

    int count() { return n; }

    /** The {@code p}-th percentile (0-100, nearest rank), in nanoseconds. */
    long percentile(double p) {
        if (n == 0) throw new IllegalStateException("no samples");
        long[] sorted = Arrays.copyOf(samples, n);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * n);
        return sorted[Math.max(0, Math.min(n - 1, rank - 1))];
    }

    long median() { return percentile(50); }

    static double millis(long nanos) { return nanos / 1e6; }
}
