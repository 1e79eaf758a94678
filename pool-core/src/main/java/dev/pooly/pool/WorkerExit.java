package dev.pooly.pool;

import dev.pooly.supervisor.ExitReason;
import dev.pooly.supervisor.ExitStatus;

import java.util.Objects;

/**
 * A pool worker's process ended: which one, and why ({@code reason}: normal, crash, max_uses, lease_timeout,
 * request_timeout, abandoned, overflow_ttl, health, memory, killed, stopped), as counted by
 * {@code pooly_worker_exits_total{reason}}. Delivered once per worker, after its exit was seen,
 * to the listeners of {@link Pool#onWorkerExit}. Immutable.
 *
 * @param worker the worker's id ({@code POOLY_WORKER})
 * @param index  its slot ({@code POOLY_WORKER_INDEX})
 * @param status how the process ended
 */
public record WorkerExit(String pool, String worker, long pid, int index, ExitReason reason, ExitStatus status) {
    public WorkerExit {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(status, "status");
    }
}
