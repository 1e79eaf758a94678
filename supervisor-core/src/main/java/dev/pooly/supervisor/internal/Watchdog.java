package dev.pooly.supervisor.internal;

import dev.pooly.supervisor.ExitReason;
import dev.pooly.supervisor.ProcessHealth;
import dev.pooly.supervisor.ProcessMemory;
import dev.pooly.supervisor.ProcessSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeroturnaround.exec.ProcessExecutor;
import org.zeroturnaround.exec.ProcessResult;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Watches one incarnation of a supervised process for its {@code health} check and {@code max_memory}
 * on a virtual thread of its own, and stops it gracefully (its shutdown spec) when it fails either;
 * the exit then reaches the supervisor as an abnormal one with reason {@code health} or {@code memory},
 * which restarts it as after a crash (backoff and intensity apply). Ends when the incarnation ends.
 *
 * <p>Thread-safety: confined to its thread; talks to the node only through its volatile fields.
 * Interrupt: ends the watch.
 */
final class Watchdog implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);
    /** Memory is sampled at least this often (PM2 samples every 30 s). */
    private static final long MEMORY_PERIOD_MS = 500;
    private static final int OUTPUT_LIMIT = 400;

    private final ProcessNode node;
    private final RunningProcess running;
    private final ProcessSpec spec;

    private Watchdog(ProcessNode node, RunningProcess running) {
        this.node = node;
        this.running = running;
        this.spec = node.processSpec();
    }

    /** Starts watching {@code running} if its spec asks for a health check or a memory limit. */
    static void watch(ProcessNode node, RunningProcess running) {
        ProcessSpec spec = node.processSpec();
        if (spec.health() == null && spec.maxMemory() <= 0) return;
        Threads.startVirtual("pooly-watch-" + node.id(), new Watchdog(node, running));
    }

    private boolean watching() {
        return running.runningNow() && node.current() == running;
    }

    @Override public void run() {
        ProcessHealth health = spec.health();
        long now = System.nanoTime();
        long nextCheck = health == null ? Long.MAX_VALUE : now + health.grace().toNanos();
        int failures = 0;
        try {
            while (watching()) {
                long sleepMs = spec.maxMemory() > 0 ? MEMORY_PERIOD_MS : Long.MAX_VALUE;
                if (health != null) sleepMs = Math.min(sleepMs, Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextCheck - System.nanoTime())));
                Thread.sleep(sleepMs);
                if (!watching()) return;
                if (spec.maxMemory() > 0) {
                    long used = ProcessMemory.treeRss(running.pid());
                    if (used > spec.maxMemory()) {
                        stop(ExitReason.MEMORY, "uses " + (used >> 20) + " MB, over max_memory " + (spec.maxMemory() >> 20) + " MB");
                        return;
                    }
                }
                if (health != null && System.nanoTime() - nextCheck >= 0) {
                    String failure = check(health);
                    nextCheck = System.nanoTime() + health.every().toNanos();
                    if (failure == null) {
                        failures = 0;
                    } else if (++failures >= health.retries()) {
                        stop(ExitReason.HEALTH, "health check failed " + failures + " time(s) in a row: " + failure);
                        return;
                    } else {
                        LOG.warn("{}: health check failed ({} of {}): {}", node.path, failures, health.retries(), failure);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs the health command; null when it passed, else what went wrong with its last output. */
    private String check(ProcessHealth health) throws InterruptedException {
        try {
            ProcessExecutor exec = new ProcessExecutor().command(health.command()).readOutput(true).redirectErrorStream(true)
                    .environment(spec.env()).exitValueAny().timeout(health.timeout().toMillis(), TimeUnit.MILLISECONDS);
            if (spec.cwd() != null) exec.directory(spec.cwd().toFile());
            ProcessResult result = exec.execute();
            if (result.getExitValue() == 0) return null;
            return "exit status " + result.getExitValue() + ", output: " + clip(result.outputUTF8());
        } catch (TimeoutException e) {
            return "no result within " + health.timeout().toMillis() + " ms";
        } catch (java.io.IOException e) {
            return "could not run " + health.command() + ": " + e.getMessage();
        }
    }

    private void stop(ExitReason reason, String why) {
        if (!watching()) return;
        LOG.warn("{}: pid {} {}; stopping it to restart it", node.path, running.pid(), why);
        node.exitNote = why;
        node.exitIntent = reason;
        running.stop(spec.shutdown(), true);
    }

    private static String clip(String output) {
        String s = output.strip();
        return s.length() <= OUTPUT_LIMIT ? s : "..." + s.substring(s.length() - OUTPUT_LIMIT);
    }
}
