package dev.pooly.pool.internal;

import dev.pooly.pool.WorkerStartException;
import dev.pooly.supervisor.ExitStatus;
import dev.pooly.supervisor.Supervisor;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Worker processes from the pool's workers supervisor ({@code simple_one_for_one}): starting is
 * {@code startChild()}, dismissing is {@code stopChild(id)} (the worker's shutdown spec), killing is
 * SIGKILL to the worker's process group. Thread-safe.
 */
final class ProcessWorkers implements WorkerSource<PooledProcess> {
    private final Supervisor workers;
    private final String pool;
    /** The pool's current worker template: a reload may change it between two starts. */
    private final java.util.function.Supplier<dev.pooly.supervisor.ProcessSpec> template;

    /** The pool's current framing: a worker keeps the one it started with. */
    private final java.util.function.Supplier<dev.pooly.pool.Framing> framing;

    ProcessWorkers(Supervisor workers, String pool, java.util.function.Supplier<dev.pooly.supervisor.ProcessSpec> template) {
        this(workers, pool, template, dev.pooly.pool.Framing::line);
    }

    ProcessWorkers(Supervisor workers, String pool, java.util.function.Supplier<dev.pooly.supervisor.ProcessSpec> template,
                   java.util.function.Supplier<dev.pooly.pool.Framing> framing) {
        this.framing = framing;
        this.workers = workers;
        this.pool = pool;
        this.template = template;
    }

    @Override public CompletableFuture<PooledProcess> start() {
        return start(0);
    }

    /** Each worker learns who it is: POOLY_POOL, POOLY_WORKER (its id, as in status) and POOLY_WORKER_INDEX (its slot). */
    @Override public CompletableFuture<PooledProcess> start(int index) {
        CompletableFuture<PooledProcess> started;
        dev.pooly.pool.Framing f = framing.get();
        try {
            started = workers.startChildWith(template.get(), spec -> {
                Map<String, String> env = new HashMap<>(spec.env());
                env.put("POOLY_POOL", pool);
                env.put("POOLY_WORKER", spec.id());
                env.put("POOLY_WORKER_INDEX", Integer.toString(index));
                return spec.withEnv(env);
            }).thenApply(p -> PooledProcess.of(p, f));
        } catch (IllegalStateException e) {
            return CompletableFuture.failedFuture(new WorkerStartException(e.getMessage(), e));
        }
        return started.exceptionallyCompose(e -> {
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            return CompletableFuture.failedFuture(new WorkerStartException(cause.getMessage(), cause));
        });
    }

    @Override public CompletableFuture<ExitStatus> exit(PooledProcess worker) { return worker.process().exit(); }

    @Override public long pid(PooledProcess worker) { return worker.process().pid(); }

    @Override public String id(PooledProcess worker) { return worker.process().id(); }

    @Override public long memory(PooledProcess worker) {
        return dev.pooly.supervisor.ProcessMemory.treeRss(worker.process().pid());
    }

    @Override public String probe(PooledProcess worker, String request) throws java.io.IOException {
        // In the pool's framing: the health request is one frame, its answer one frame (as text).
        WorkerChannel channel = worker.channel();
        byte[] payload = request.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try {
            channel.codec().check(payload);
            channel.writeFrame(payload);
            byte[] answer = channel.readFrame();
            return answer == null ? null : new String(answer, java.nio.charset.StandardCharsets.UTF_8);
        } catch (dev.pooly.pool.FrameException e) {
            throw new java.io.IOException(e.getMessage(), e);
        }
    }

    /** The exit watch's word (a volatile read): no /proc read on checkout and checkin. */
    @Override public boolean alive(PooledProcess worker) { return worker.process().isAlive(); }

    @Override public boolean aliveNow(PooledProcess worker) { return worker.process().isAlive() && worker.process().handle().isAlive(); }

    @Override public void dismiss(PooledProcess worker) {
        // If the supervisor cannot stop it (it already exited and was removed, or the workers supervisor
        // itself is gone), kill it: a worker must never outlive its pool.
        workers.stopChild(worker.process().id()).exceptionally(e -> {
            worker.process().kill();
            return null;
        });
    }

    @Override public void kill(PooledProcess worker) { worker.process().kill(); }

    @Override public String unread(PooledProcess worker) {
        try {
            int n = worker.channel().unread();
            return n == 0 ? null : n + " byte(s) of output unread (\"" + worker.channel().unreadBytes() + "\")";
        } catch (java.io.IOException e) {
            return "stdout unreadable (" + e.getMessage() + ")";
        }
    }
}
