package dev.pooly.supervisor;

import java.util.ArrayDeque;

/**
 * OTP's restart intensity as a sliding window of restart times: {@link #admit} records a restart
 * and says whether it stays within the {@link Intensity}.
 *
 * <p>Not thread-safe: owned by one supervisor (or pool) and used on its thread or under its lock.
 * Each call is O(1) amortised.
 */
public final class RestartWindow {
    private final Intensity intensity;
    private final ArrayDeque<Long> times = new ArrayDeque<>();

    public RestartWindow(Intensity intensity) {
        this.intensity = intensity;
    }

    /**
     * Records a restart at {@code nanoTime}; false when it makes more than {@code maxRestarts}
     * within {@code period}, i.e. the owner must give up.
     */
    public boolean admit(long nanoTime) {
        long horizon = nanoTime - intensity.period().toNanos();
        while (!times.isEmpty() && times.peekFirst() - horizon < 0) times.pollFirst();
        times.addLast(nanoTime);
        return times.size() <= intensity.maxRestarts();
    }

    /** Restarts counted in the current window (as of the last {@link #admit}). */
    public int recent() { return times.size(); }

    public Intensity intensity() { return intensity; }

    /** Why the owner gave up, for logs and crash reasons. */
    public String verdict() {
        return "more than " + intensity.maxRestarts() + " restarts in " + intensity.period().toMillis() / 1000.0 + "s";
    }
}
