package dev.pooly.benchmarks;

import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The whole comparison in one run: pool bookkeeping (JMH), one request through a pooled worker
 * against a raw pipe and spawn-per-request (JMH), restart, scale and FIFO (harnesses in JVMs of
 * their own). Prints a Markdown report of ratios against each peer and the goals, met or
 * missed, and writes it with the raw JMH results to the output directory.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.pooly.benchmarks.Suite [--quick] [--out DIR] [--only a,b]}
 * with sections {@code bookkeeping, request, restart, scale, fifo}. {@code --quick} takes about five
 * minutes; the full run about twenty-five (most of it the 1,000-worker scale test).
 */
public final class Suite {
    private static final List<String> SECTIONS = List.of("bookkeeping", "request", "restart", "scale", "fifo");
    private static final List<String> POOLS = List.of(Bookkeeper.POOLY, Bookkeeper.STORMPOT, Bookkeeper.COMMONS_FAIR, Bookkeeper.COMMONS_UNFAIR);
    private static final int[] THREADS = {1, 2, 4};
    private static final int[] SIZES = {1, 2, 8};

    private final boolean quick;
    private final Path out;
    private final StringBuilder report = new StringBuilder();
    private final List<String> goals = new ArrayList<>();

    private Suite(boolean quick, Path out) {
        this.quick = quick;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        Path out = Path.of("benchmarks/target/results");
        Set<String> only = new LinkedHashSet<>(SECTIONS);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--out" -> out = Path.of(args[++i]);
                case "--only" -> {
                    only = new LinkedHashSet<>(Arrays.asList(args[++i].split(",")));
                    if (!SECTIONS.containsAll(only)) throw new IllegalArgumentException("sections are " + SECTIONS + ", got " + only);
                }
                default -> throw new IllegalArgumentException("usage: Suite [--quick] [--out DIR] [--only " + String.join(",", SECTIONS) + "]");
            }
        }
        Files.createDirectories(out);
        new Suite(quick, out).run(only);
    }

    private void run(Set<String> only) throws Exception {
        long t0 = System.nanoTime();
        header();
        Map<String, Map<String, String>> harness = new LinkedHashMap<>();
        if (only.contains("bookkeeping")) bookkeeping();
        if (only.contains("fifo")) harness.put("fifo", harness("FifoCheck", List.of(), String.valueOf(quick ? 10 : 50)));
        if (only.contains("fifo")) fifo(harness.get("fifo"));
        if (only.contains("request")) request();
        if (only.contains("restart")) restart(harness("RestartHarness", List.of("-Xmx256m"), quick ? "100" : "400", quick ? "10" : "30"));
        if (only.contains("scale")) {
            Map<String, String> pooly = harness("ScaleHarness", List.of("-Xmx1g"), "pooly", "1000", quick ? "10" : "120");
            Map<String, String> raw = harness("ScaleHarness", List.of("-Xmx1g"), "raw", "1000");
            scale(pooly, raw);
        }
        report.append("\n## Goals\n\n| goal | measured | verdict |\n|---|---|---|\n");
        for (String g : goals) report.append(g).append('\n');
        report.append(String.format(Locale.ROOT, "%nLoad average at the end: %s. Suite wall time: %.0f s.%n",
                loadAverage(), (System.nanoTime() - t0) / 1e9));
        Path file = out.resolve("report.md");
        Files.writeString(file, report);
        System.out.println(report);
        System.out.println("(report written to " + file + "; raw JMH results and logs beside it)");
    }

    // ---- sections -------------------------------------------------------------------------------

    private void header() throws IOException {
        Runtime rt = Runtime.getRuntime();
        report.append("# Pooly benchmark run").append(quick ? " (quick)" : "").append("\n\n");
        report.append(String.format(Locale.ROOT, "- date: %s (UTC)%n- machine: %d cores (%s), %s %s, %s%n- JDK: %s %s (%s)%n- load average at the start: %s%n",
                LocalDate.now(ZoneOffset.UTC), rt.availableProcessors(), cpuModel(), System.getProperty("os.name"),
                System.getProperty("os.version"), System.getProperty("os.arch"), System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"), System.getProperty("java.vendor"), loadAverage()));
        report.append(String.format("- mode: %s%n%n", quick
                ? "quick: 1 fork, JMH warm-up 1 x 0.5 s and measurement 2 x 0.5 s (bookkeeping), 1 x 1 s / 3 x 1 s (requests); 100 restarts; scale shutdown capped at 10 s"
                : "full: 1 fork, JMH warm-up 2 x 1 s and measurement 5 x 1 s (bookkeeping), 1 x 2 s / 5 x 2 s (requests); 400 restarts; scale shutdown capped at 120 s"));
    }

    private void bookkeeping() throws RunnerException {
        progress("bookkeeping: throughput with -prof gc, " + POOLS.size() * SIZES.length * THREADS.length + " configurations");
        // key: pool/size/threads
        Map<String, Double> thrpt = new LinkedHashMap<>(), alloc = new LinkedHashMap<>();
        Map<String, double[]> pct = new LinkedHashMap<>();
        for (int t : THREADS) {
            for (RunResult r : jmh(bookkeepingOptions(t, Mode.Throughput).addProfiler(GCProfiler.class), "bookkeeping-thrpt-t" + t)) {
                String key = key(r);
                thrpt.put(key, r.getPrimaryResult().getScore());
                alloc.put(key, secondary(r, "gc.alloc.rate.norm"));
            }
        }
        // Latency percentiles: every configuration in a full run; the goal-bearing ones in a quick run.
        for (int t : THREADS) {
            String sizes = quick ? (t == 1 ? "1" : t == 4 ? "2" : null) : "1,2,8";
            if (sizes == null) continue;
            progress("bookkeeping: sample time, " + t + " thread(s), sizes " + sizes);
            ChainedOptionsBuilder o = bookkeepingOptions(t, Mode.SampleTime).timeUnit(TimeUnit.NANOSECONDS).param("size", sizes.split(","));
            for (RunResult r : jmh(o, "bookkeeping-sample-t" + t)) {
                var s = r.getPrimaryResult().getStatistics();
                pct.put(key(r), new double[] {s.getPercentile(50), s.getPercentile(99)});
            }
        }

        report.append("## 1. Pool bookkeeping: checkout + checkin of a no-op resource\n\n");
        report.append("Throughput in operations per microsecond (all threads together), allocation in bytes per operation "
                + "(`-prof gc`). Ratio = Pooly's throughput / the peer's: above 1 Pooly is faster.\n\n");
        report.append("| pool | size |");
        for (int t : THREADS) report.append(" ").append(t).append(t == 1 ? " thread" : " threads").append(" ops/us | B/op |");
        report.append("\n|---|---|");
        for (int ignored : THREADS) report.append("---|---|");
        report.append('\n');
        for (String pool : POOLS) {
            for (int size : SIZES) {
                report.append("| ").append(pool).append(" | ").append(size).append(" |");
                for (int t : THREADS) {
                    String k = pool + "/" + size + "/" + t;
                    report.append(String.format(Locale.ROOT, " %s | %s |", fmt(thrpt.get(k)), fmt0(alloc.get(k))));
                }
                report.append('\n');
            }
        }
        report.append("\nRatios, Pooly / peer (throughput):\n\n| peer | size |");
        for (int t : THREADS) report.append(" ").append(t).append("T |");
        report.append("\n|---|---|---|---|---|\n");
        for (String peer : POOLS.subList(1, POOLS.size())) {
            for (int size : SIZES) {
                report.append("| ").append(peer).append(" | ").append(size).append(" |");
                for (int t : THREADS) report.append(" ").append(fmt(ratio(thrpt.get("pooly/" + size + "/" + t), thrpt.get(peer + "/" + size + "/" + t)))).append(" |");
                report.append('\n');
            }
        }
        if (!pct.isEmpty()) {
            report.append("\nLatency of one cycle (JMH sample mode, ns; values near 20-40 ns are at the timer's resolution):\n\n"
                    + "| pool | size | threads | p50 ns | p99 ns |\n|---|---|---|---|---|\n");
            for (int t : THREADS) {
                for (int size : SIZES) {
                    for (String pool : POOLS) {
                        double[] p = pct.get(pool + "/" + size + "/" + t);
                        if (p != null) report.append(String.format(Locale.ROOT, "| %s | %d | %d | %.0f | %.0f |%n", pool, size, t, p[0], p[1]));
                    }
                }
            }
        }
        report.append('\n');

        double vsStormpot = ratio(thrpt.get("stormpot/1/1"), thrpt.get("pooly/1/1"));
        goal("uncontended checkout+checkin within 2x of Stormpot (1 thread, size 1)",
                String.format(Locale.ROOT, "Pooly takes %.2fx Stormpot's time (throughput)%s", vsStormpot, p50s(pct, "pooly/1/1", "stormpot/1/1")),
                vsStormpot <= 2);
        double vsFair = ratio(thrpt.get("pooly/1/1"), thrpt.get("commons-fair/1/1"));
        goal("uncontended at least 5x faster than Commons Pool 2 fair (1 thread, size 1)",
                String.format(Locale.ROOT, "%.2fx as fast (throughput)%s", vsFair, p50s(pct, "pooly/1/1", "commons-fair/1/1")), vsFair >= 5);
        double queued = ratio(thrpt.get("pooly/2/4"), thrpt.get("commons-fair/2/4"));
        goal("4 threads on a pool of 2: throughput at least Commons Pool 2 fair's",
                String.format(Locale.ROOT, "%.2fx Commons fair's", queued), queued >= 1);
    }

    /** "; p50 A ns vs B ns" from the sample-mode run, or nothing. */
    private static String p50s(Map<String, double[]> pct, String a, String b) {
        double[] x = pct.get(a), y = pct.get(b);
        return x == null || y == null ? "" : String.format(Locale.ROOT, "; p50 %.0f ns vs %.0f ns", x[0], y[0]);
    }

    private ChainedOptionsBuilder bookkeepingOptions(int threads, Mode mode) {
        return new OptionsBuilder()
                .include(BookkeepingBenchmark.class.getName() + ".checkoutCheckin")
                .mode(mode)
                .threads(threads)
                .forks(1)
                .warmupIterations(quick ? 1 : 2).warmupTime(quick ? TimeValue.milliseconds(500) : TimeValue.seconds(1))
                .measurementIterations(quick ? 2 : 5).measurementTime(quick ? TimeValue.milliseconds(500) : TimeValue.seconds(1));
    }

    private void fifo(Map<String, String> v) {
        report.append("## 1b. FIFO: 8 callers queued on a pool of 2, a ninth thread probing with non-blocking checkouts\n\n"
                + "Inversions: pairs of callers served out of arrival order. Barges: resources the prober got while callers queued.\n\n"
                + "| pool | handoffs | inversions | barges |\n|---|---|---|---|\n");
        for (String pool : POOLS) {
            report.append(String.format("| %s | %s | %s | %s |%n", pool, v.get(pool + ".handoffs"), v.get(pool + ".inversions"), v.get(pool + ".barges")));
        }
        report.append('\n');
        boolean strict = "0".equals(v.get("pooly.inversions")) && "0".equals(v.get("pooly.barges"));
        goal("4 threads on a pool of 2: strict FIFO kept", "Pooly: " + v.get("pooly.inversions") + " inversions, "
                + v.get("pooly.barges") + " barges in " + v.get("pooly.handoffs") + " handoffs", strict);
    }

    private void request() throws Exception {
        progress("request: pooled cat, raw pipe, spawn per request (zt-exec, ProcessBuilder)");
        ChainedOptionsBuilder o = new OptionsBuilder()
                .include(RequestBenchmark.class.getName() + ".")
                .forks(1)
                .warmupIterations(1).warmupTime(TimeValue.seconds(quick ? 1 : 2))
                .measurementIterations(quick ? 3 : 5).measurementTime(TimeValue.seconds(quick ? 1 : 2));
        Map<String, double[]> us = new LinkedHashMap<>();
        for (RunResult r : jmh(o, "request")) {
            String name = r.getParams().getBenchmark();
            name = name.substring(name.lastIndexOf('.') + 1);
            String argv = r.getParams().getParam("argv");
            if (argv != null) name += "[" + argv + "]";
            var s = r.getPrimaryResult().getStatistics();
            us.put(name, new double[] {s.getPercentile(50), s.getPercentile(99), s.getMean(), s.getN()});
        }
        double raw = us.get("rawPipe[plain]")[0], pooled = us.get("pooled")[0];
        report.append("## 2. One request: a 100-byte line to `cat` and its echo back, one caller\n\n"
                + "`rawPipe[plain]` is the floor: an already running `cat` (started by `ProcessBuilder`) written to and read from "
                + "directly. `rawPipe[wrapped]` is the same through the argv Pooly execs (`setpriv --pdeathsig KILL -- setsid -- cat`). "
                + "`pooledLeaseHeld` is `Lease.request` on a lease kept for the whole run; `pooled` is the full "
                + "checkout + `Lease.request` + checkin on a pool of one `cat` from `Pools.start`. The spawn rows start a new `cat` "
                + "per request, feed it the line, read to EOF and await the exit.\n\n"
                + "JMH sample mode, each path in its own fork, one after another:\n\n"
                + "| path | p50 us | p99 us | mean us | samples | p50 / raw pipe | p50 / pooled |\n|---|---|---|---|---|---|---|\n");
        for (String name : List.of("rawPipe[plain]", "rawPipe[wrapped]", "pooledLeaseHeld", "pooled", "spawnProcessBuilder", "spawnZtExec")) {
            double[] v = us.get(name);
            if (v == null) continue;
            report.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.0f | %.2f | %.2f |%n", name, fmt(v[0]), fmt(v[1]), fmt(v[2]), v[3], v[0] / raw, v[0] / pooled));
        }

        Map<String, String> ab = harness("RequestAbHarness", List.of("-Xms512m", "-Xmx512m"), quick ? "10" : "30");
        double abRaw = Double.parseDouble(ab.get("rawPipe.p50")), abPooled = Double.parseDouble(ab.get("pooled.p50"));
        report.append("\nInterleaved in one JVM (blocks of 50 requests taking turns, so load spikes hit all paths alike; "
                + "`rawPipeWrapped` is the raw pipe to a `cat` in a session of its own, as a worker runs):\n\n"
                + "| path | p50 us | p90 us | p99 us | samples | p50 / raw pipe |\n|---|---|---|---|---|---|\n");
        for (String name : List.of("rawPipe", "pooledLeaseHeld", "pooled", "rawPipeWrapped")) {
            if (!ab.containsKey(name + ".p50")) continue;
            report.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %.2f |%n", name, ab.get(name + ".p50"), ab.get(name + ".p90"),
                    ab.get(name + ".p99"), ab.get(name + ".n"), Double.parseDouble(ab.get(name + ".p50")) / abRaw));
        }
        report.append('\n');
        // Issue 24's goals: the lease cycle costs little beyond the pipe round trip, the request path almost nothing.
        double abHeld = Double.parseDouble(ab.get("pooledLeaseHeld.p50"));
        goal("pooled request (checkout + request + checkin) p50 within 1.3x of the raw pipe",
                String.format(Locale.ROOT, "%.2fx interleaved; %.2fx in JMH", abPooled / abRaw, pooled / raw), abPooled / abRaw <= 1.3);
        goal("request on a held lease p50 within 1.1x of the raw pipe",
                String.format(Locale.ROOT, "%.2fx interleaved", abHeld / abRaw), abHeld / abRaw <= 1.1);
        double zt = us.get("spawnZtExec")[0] / pooled, pb = us.get("spawnProcessBuilder")[0] / pooled;
        goal("pooled request at least 200x faster than spawn-per-request",
                String.format(Locale.ROOT, "%.0fx vs zt-exec, %.0fx vs ProcessBuilder (p50)", zt, pb), Math.min(zt, pb) >= 200);
    }

    private void restart(Map<String, String> v) {
        report.append("## 3. Restart: SIGKILL of an idle worker to its replacement idle in the pool\n\n"
                + "Pool of one `cat`; each iteration interleaves one bare spawn of `cat`, one of the argv "
                + "Pooly execs (`setpriv --pdeathsig KILL -- setsid -- cat`) and one kill, then pauses 150 ms (Pooly sweeps a "
                + "dead worker's group 50 ms after its exit; the pause keeps that out of the next samples), so all see the same "
                + "load. Milliseconds.\n\n"
                + "| measure | p50 ms | p90 ms |\n|---|---|---|\n");
        for (String k : List.of("kill_to_exit_seen", "kill_to_supervisor_started", "kill_to_ready", "kill_to_first_reply",
                "bare_spawn", "bare_spawn_to_first_echo", "wrapped_spawn", "wrapped_spawn_to_first_echo")) {
            if (v.containsKey(k + ".p50")) report.append(String.format("| %s | %s | %s |%n", k.replace('_', ' '), v.get(k + ".p50"), v.get(k + ".p90")));
        }
        double ready = Double.parseDouble(v.get("kill_to_ready.p50")), bare = Double.parseDouble(v.get("bare_spawn.p50"));
        report.append(String.format(Locale.ROOT, "%nkill-to-ready / bare spawn: %.2fx; kill-to-ready minus bare spawn: %.2f ms (%s iterations).%n%n",
                ready / bare, ready - bare, v.get("iterations")));
        goal("restart: kill-to-ready no more than spawn + 2 ms (p50)",
                String.format(Locale.ROOT, "%.2f ms vs %.2f ms + 2 ms", ready, bare), ready <= bare + 2);
    }

    private void scale(Map<String, String> pooly, Map<String, String> raw) {
        report.append("## 4. Scale: 1,000 `cat` workers\n\n"
                + "Pooly: `Pools.start` of a pool of 1,000 until all are idle. Raw: 1,000 `cat`s started one after another with "
                + "`ProcessBuilder`, no pool. Heap after GC and RSS of the JVM (the `cat`s' own memory is not included); threads "
                + "are live platform threads (ThreadMXBean), `Thread.activeCount` in brackets.\n\n"
                + "| measure | Pooly | raw ProcessBuilder | Pooly / raw |\n|---|---|---|---|\n");
        for (String k : List.of("all_idle_ms", "heap_before_mb", "heap_after_mb", "heap_per_worker_kb", "rss_before_mb", "rss_after_mb",
                "rss_per_worker_kb", "threads_before", "threads_after", "threads_per_worker", "request_each_worker_us", "shutdown_ms")) {
            String p = pooly.get(k), r = raw.get(k);
            String ratio = numeric(p) && numeric(r) && Double.parseDouble(r) != 0 ? fmt(Double.parseDouble(p) / Double.parseDouble(r)) : "";
            if (k.equals("threads_after")) p = p + " (" + pooly.get("active_count_after") + ")";
            if (k.equals("threads_after")) r = r + " (" + raw.get("active_count_after") + ")";
            report.append(String.format("| %s | %s | %s | %s |%n", k.replace('_', ' '), p, r == null ? "" : r, ratio));
        }
        report.append(String.format("%nPooly: pool server up after %s ms. ", pooly.get("server_up_ms")));
        if (pooly.containsKey("shutdown_stopped_within_cap")) {
            report.append(String.format("Shutdown not finished within the cap: %s of %s workers stopped by then.%n%n",
                    pooly.get("shutdown_stopped_within_cap"), pooly.get("workers")));
        } else {
            report.append(String.format("After shutdown %s child processes and %s platform threads remain (the JDK keeps idle process-reaper threads a while).%n%n",
                    pooly.get("children_after_shutdown"), pooly.get("threads_after_shutdown")));
        }
    }

    // ---- plumbing -------------------------------------------------------------------------------

    private List<RunResult> jmh(ChainedOptionsBuilder options, String name) throws RunnerException {
        options.result(out.resolve(name + ".json").toString()).resultFormat(ResultFormatType.JSON)
                .output(out.resolve(name + ".log").toString())
                .shouldFailOnError(true);
        List<RunResult> results = new ArrayList<>(new Runner(options.build()).run());
        if (results.isEmpty()) throw new IllegalStateException("JMH ran nothing for " + name + "; see " + out.resolve(name + ".log"));
        return results;
    }

    /** Runs {@code dev.pooly.benchmarks.MAIN args} in a JVM of its own; answers its key=value lines. */
    private Map<String, String> harness(String main, List<String> jvmArgs, String... args) throws IOException, InterruptedException {
        progress(main + " " + String.join(" ", args));
        List<String> argv = new ArrayList<>();
        argv.add(ProcessHandle.current().info().command().orElse("java"));
        argv.addAll(jvmArgs);
        argv.add("--enable-native-access=ALL-UNNAMED");
        argv.addAll(List.of("-cp", System.getProperty("java.class.path"), Suite.class.getPackageName() + "." + main));
        argv.addAll(List.of(args));
        Path stdout = out.resolve(main + (args.length > 0 ? "-" + args[0] : "") + ".txt");
        Process p = new ProcessBuilder(argv).redirectOutput(stdout.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        int code = p.waitFor();
        if (code != 0) throw new IllegalStateException(main + " exited with " + code + "; its output is in " + stdout);
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : Files.readAllLines(stdout)) {
            int eq = line.indexOf('=');
            if (eq > 0) values.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return values;
    }

    private void goal(String goal, String measured, boolean met) {
        goals.add("| " + goal + " | " + measured + " | " + (met ? "met" : "**missed**") + " |");
    }

    private static boolean numeric(String s) {
        if (s == null) return false;
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String key(RunResult r) {
        return r.getParams().getParam("pool") + "/" + r.getParams().getParam("size") + "/" + r.getParams().getThreads();
    }

    private static double secondary(RunResult r, String suffix) {
        for (var e : r.getSecondaryResults().entrySet()) {
            if (e.getKey().endsWith(suffix)) return e.getValue().getScore();
        }
        return Double.NaN;
    }

    private static double ratio(Double a, Double b) {
        return a == null || b == null ? Double.NaN : a / b;
    }

    private static String fmt(Double v) {
        if (v == null || v.isNaN()) return "n/a";
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f", v);
    }

    private static String fmt0(Double v) {
        return v == null || v.isNaN() ? "n/a" : String.format(Locale.ROOT, "%.0f", v);
    }

    private static void progress(String what) {
        System.err.println("[suite] " + java.time.LocalTime.now().withNano(0) + " " + what);
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).strip();
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return "cpu unknown";
    }
}
