package dev.pooly.benchmarks;

import dev.pooly.pool.Lease;
import dev.pooly.pool.PoolSpec;
import dev.pooly.pool.PoolStatus;
import dev.pooly.pool.Pools;
import dev.pooly.pool.StandalonePool;
import dev.pooly.supervisor.Backoff;
import dev.pooly.supervisor.Intensity;
import dev.pooly.supervisor.ProcessChild;
import dev.pooly.supervisor.ProcessSpec;
import dev.pooly.supervisor.Shutdown;
import dev.pooly.supervisor.SupervisionEvent;
import dev.pooly.supervisor.SupervisionTree;
import dev.pooly.supervisor.Supervisor;
import dev.pooly.supervisor.SupervisorSpec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Restart: from SIGKILL of an idle pooled {@code cat} to its replacement being idle in the pool,
 * interleaved, iteration by iteration, with bare spawns of the same command, so both see the same
 * machine load.
 *
 * <p>Per iteration: (1) {@code new ProcessBuilder("cat").start()} until it returns, then one line to
 * its first echo; (2) the same for the argv Pooly's ProcessBuilder path execs ({@code setpriv
 * --pdeathsig KILL -- setsid -- cat}); (3) the same for a bare {@code posix_spawnp} through FFM with
 * {@code POSIX_SPAWN_SETSID} ({@link BareSpawn}: the floor for Pooly's launcher), and where cgroups are in
 * force the same plus a new cgroup and the move into it (the kernel's part of containment); (3b) Pooly's
 * launch layer alone ({@code Launcher.launch}, no supervisor messages); (4) one worker
 * started by Pooly, {@code startChild()} of a {@code simple_one_for_one} supervisor of {@code cat}
 * until its future completes, then its first echo (done after (5)); (5) SIGKILL the pool's only worker and poll the
 * pool's status every ~20 us until an idle worker with a new pid shows, then one request through it
 * (in "to first reply", not in the ready time); a 150 ms pause before each spawn of (3), (3b) and (4), and after (4). Prints {@code key=value} lines
 * (milliseconds) for the suite, and which launch path and containment were in force.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.pooly.benchmarks.RestartHarness [iterations] [warmup]}.
 */
public final class RestartHarness {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final long PAUSE_MS = 150;
    private static final List<String> WRAPPED = List.of("setpriv", "--pdeathsig", "KILL", "--", "setsid", "--", "cat");

    private static volatile long exitedAt, startedAt, startedPid;
    /**
     * Where the cgroup baseline makes its cgroups: Pooly's daemon cgroup ({@code pooly-PID}, whose
     * leftovers Pooly's guardian removes at exit), where cgroups are in force; else null.
     */
    private static final java.nio.file.Path CGROUP_PARENT = dev.pooly.supervisor.internal.Containment.daemonGroup().orElse(null);

    private RestartHarness() {}

    public static void main(String[] args) throws Exception {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 20;

        Distribution killToExitSeen = new Distribution(), killToStarted = new Distribution(), killToReady = new Distribution(),
                killToFirstReply = new Distribution(), bareSpawn = new Distribution(), bareFirstEcho = new Distribution(),
                wrappedSpawn = new Distribution(), wrappedFirstEcho = new Distribution();

        Distribution ffmSpawn = new Distribution(), ffmFirstEcho = new Distribution(), ffmCgroupSpawn = new Distribution(),
                launchSpawn = new Distribution(),
                poolySpawn = new Distribution(), poolyFirstEcho = new Distribution();
        // Generous intensity: this harness crashes the worker hundreds of times on purpose.
        // Each worker lives at least PAUSE_MS before it is killed: with min_uptime below that, every kill is of a
        // healthy worker, which backoff must restart at once; this measures that path (the default min_uptime, 1 s,
        // would rightly delay these rapid kills).
        PoolSpec spec = PoolSpec.of("restart", ProcessSpec.of("cat", "cat").withBackoff(new Backoff(Duration.ofMillis(PAUSE_MS / 2),
                        Backoff.DEFAULT.min(), Backoff.DEFAULT.max(), Backoff.DEFAULT.factor(), Backoff.DEFAULT.jitter())), 1, 0)
                .withIntensity(Intensity.of(1_000_000, Duration.ofSeconds(1)));
        Supervisor spawner = SupervisionTree.start(SupervisorSpec.dynamic("spawn", Intensity.of(1_000_000, Duration.ofSeconds(1)),
                ProcessSpec.of("cat", "cat").withStdio(dev.pooly.supervisor.Stdio.CHANNEL).withShutdown(Shutdown.brutalKill())));
        try (StandalonePool pool = Pools.start(spec, RestartHarness::observe)) {
            long pid = awaitIdleWorker(pool, 0);
            for (int i = 0; i < warmup + iterations; i++) {
                boolean record = i >= warmup;

                spawn(List.of("cat"), record ? bareSpawn : null, record ? bareFirstEcho : null);
                spawn(WRAPPED, record ? wrappedSpawn : null, record ? wrappedFirstEcho : null);

                exitedAt = startedAt = 0;
                long t0 = System.nanoTime();
                ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("worker gone before the kill")).destroyForcibly();
                long next = awaitIdleWorker(pool, pid);
                long ready = System.nanoTime();
                try (Lease lease = pool.checkout(TIMEOUT)) {
                    if (lease.pid() != next) throw new IllegalStateException("checked out " + lease.pid() + ", expected the replacement " + next);
                    lease.request("ping", TIMEOUT);
                }
                long replied = System.nanoTime();
                if (record) {
                    killToReady.add(ready - t0);
                    killToFirstReply.add(replied - t0);
                    if (exitedAt != 0) killToExitSeen.add(exitedAt - t0);
                    if (startedAt != 0 && startedPid == next) killToStarted.add(startedAt - t0);
                }
                pid = next;
                // Each spawn compared with Pooly's gets the same pause before it: a cgroup move right after
                // another is cheaper (see docs/performance.md), threads and CPUs idle for 150 ms wake slower,
                // and no measurement may profit from the one before.
                Thread.sleep(PAUSE_MS);
                ffm(record ? ffmSpawn : null, record ? ffmFirstEcho : null);
                if (CGROUP_PARENT != null) {
                    Thread.sleep(PAUSE_MS);
                    ffmInCgroup(i, record ? ffmCgroupSpawn : null);
                }
                Thread.sleep(PAUSE_MS);
                launch(i, record ? launchSpawn : null);
                Thread.sleep(PAUSE_MS);
                pooly(spawner, record ? poolySpawn : null, record ? poolyFirstEcho : null);
                // Pooly sweeps a dead worker's process group 50 ms after its exit, off the restart path; wait
                // that out so it lands in this pause, not in the next iteration's samples.
                Thread.sleep(PAUSE_MS);
            }
        }

        spawner.shutdown().get();
        System.out.println("iterations=" + iterations);
        System.out.println("launch_path=" + SupervisionTree.launchPath());
        System.out.println("containment=" + SupervisionTree.containment());
        print("kill_to_ready", killToReady);
        print("kill_to_first_reply", killToFirstReply);
        print("kill_to_exit_seen", killToExitSeen);
        print("kill_to_supervisor_started", killToStarted);
        print("bare_spawn", bareSpawn);
        print("bare_spawn_to_first_echo", bareFirstEcho);
        print("wrapped_spawn", wrappedSpawn);
        print("wrapped_spawn_to_first_echo", wrappedFirstEcho);
        print("bare_ffm_spawn", ffmSpawn);
        print("bare_ffm_spawn_to_first_echo", ffmFirstEcho);
        print("bare_ffm_cgroup_spawn", ffmCgroupSpawn);
        print("pooly_launch", launchSpawn);
        print("pooly_spawn", poolySpawn);
        print("pooly_spawn_to_first_echo", poolyFirstEcho);
    }

    /** A bare FFM posix_spawnp of cat: spawn, then first echo; ended untimed. */
    private static void ffm(Distribution spawned, Distribution firstEcho) throws Exception {
        try {
            long t0 = System.nanoTime();
            BareSpawn.Child c = BareSpawn.spawn(List.of("cat"));
            long t1 = System.nanoTime();
            BareSpawn.echo(c, "ping");
            long t2 = System.nanoTime();
            BareSpawn.end(c);
            if (spawned != null) {
                spawned.add(t1 - t0);
                firstEcho.add(t2 - t0);
            }
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * The kernel's share of cgroup containment on top of the bare spawn: a bare FFM spawn, then a new
     * cgroup made and the child moved into it, as Pooly does for each process (timed together); then
     * SIGKILL, reap and rmdir, untimed.
     */
    private static void ffmInCgroup(int i, Distribution spawned) throws Exception {
        try {
            java.nio.file.Path dir = CGROUP_PARENT.resolve("bench." + i);
            long t0 = System.nanoTime();
            BareSpawn.Child c = BareSpawn.spawn(List.of("cat"));
            java.nio.file.Files.createDirectory(dir);
            java.nio.file.Files.writeString(dir.resolve("cgroup.procs"), Integer.toString(c.pid()));
            long t1 = System.nanoTime();
            BareSpawn.end(c);
            java.nio.file.Files.delete(dir);
            if (spawned != null) spawned.add(t1 - t0);
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static final ProcessSpec LAUNCHED = ProcessSpec.of("launched", "cat").withStdio(dev.pooly.supervisor.Stdio.CHANNEL)
            .withShutdown(Shutdown.brutalKill());

    /**
     * Pooly's launch layer alone (supervisor-core's internal {@code Launcher}, which every supervised
     * process goes through): resolve the command, spawn, place in its own cgroup, wire stderr and the
     * exit watch, until the launch future completes (ready at once), without the supervisor's
     * messages around it; stopped untimed.
     */
    private static void launch(int i, Distribution spawned) throws Exception {
        long t0 = System.nanoTime();
        dev.pooly.supervisor.internal.RunningProcess p = dev.pooly.supervisor.internal.Launcher.launch(LAUNCHED, "launched-" + i, "launched").get();
        long t1 = System.nanoTime();
        p.stop(Shutdown.brutalKill(), false);
        if (spawned != null) spawned.add(t1 - t0);
    }

    /** One worker as Pooly starts it (launch, cgroup, readiness, bookkeeping), then its first echo; stopped untimed. */
    private static void pooly(Supervisor spawner, Distribution spawned, Distribution firstEcho) throws Exception {
        long t0 = System.nanoTime();
        ProcessChild child = spawner.startChild().get();
        long t1 = System.nanoTime();
        child.stdin().write("ping\n".getBytes());
        child.stdin().flush();
        InputStream out = child.stdout();
        int b;
        while ((b = out.read()) != '\n') {
            if (b < 0) throw new IOException("pooly's cat ended before echoing");
        }
        long t2 = System.nanoTime();
        spawner.stopChild(child.id()).get();
        if (spawned != null) {
            spawned.add(t1 - t0);
            firstEcho.add(t2 - t0);
        }
    }

    private static void observe(SupervisionEvent e) {
        long now = System.nanoTime();
        switch (e) {
            case SupervisionEvent.Exited x when x.pid() > 0 -> exitedAt = now;
            case SupervisionEvent.Started s when s.pid() > 0 -> {
                startedPid = s.pid();
                startedAt = now;
            }
            default -> {}
        }
    }

    /** Polls until the pool shows an idle worker whose pid is not {@code old}; answers its pid. */
    private static long awaitIdleWorker(StandalonePool pool, long old) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            for (PoolStatus.Worker w : pool.status().workers()) {
                if (w.state() == PoolStatus.WorkerState.IDLE && w.pid() != old) return w.pid();
            }
            if (System.nanoTime() - deadline > 0) throw new IllegalStateException("no replacement within " + TIMEOUT + ": " + pool.status());
            LockSupport.parkNanos(20_000);
        }
    }

    /** Spawns {@code argv}, times start() and the first echo of one line, then kills it (untimed). */
    private static void spawn(List<String> argv, Distribution spawned, Distribution firstEcho) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long t1 = System.nanoTime();
        OutputStream in = p.getOutputStream();
        InputStream out = p.getInputStream();
        in.write("ping\n".getBytes());
        in.flush();
        byte[] buf = new byte[16];
        int have = 0;
        while (have == 0 || buf[have - 1] != '\n') {
            int n = out.read(buf, have, buf.length - have);
            if (n < 0) throw new IOException(argv + " ended before echoing");
            have += n;
        }
        long t2 = System.nanoTime();
        p.destroyForcibly();
        p.waitFor();
        if (spawned != null) {
            spawned.add(t1 - t0);
            firstEcho.add(t2 - t0);
        }
    }

    private static void print(String key, Distribution d) {
        if (d.count() == 0) return;
        System.out.printf(java.util.Locale.ROOT, "%s.p50=%.3f%n%s.p90=%.3f%n%s.n=%d%n", key, Distribution.millis(d.median()), key,
                Distribution.millis(d.percentile(90)), key, d.count());
    }
}
