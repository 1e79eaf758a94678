package dev.pooly.pool.internal;

import dev.pooly.supervisor.ProcessChild;

/** A worker process of a pool with its line channel. */
public record PooledProcess(ProcessChild process, WorkerChannel channel) {
    static PooledProcess of(ProcessChild process) {
        return of(process, dev.pooly.pool.Framing.line());
    }

    static PooledProcess of(ProcessChild process, dev.pooly.pool.Framing framing) {
        return new PooledProcess(process, new WorkerChannel(process.stdin(), process.stdout(), framing));
    }
}
