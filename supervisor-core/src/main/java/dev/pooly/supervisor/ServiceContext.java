package dev.pooly.supervisor;

import java.util.Optional;

/**
 * What a {@link Service} can reach of the tree around it. Thread-safe: every method may be called from
 * any thread. {@link #crash} only posts to the supervisor's mailbox and returns; {@link #publish} calls
 * the tree's listener on the calling thread.
 */
public interface ServiceContext {
    /** This service's id. */
    String id();

    /** A sibling supervisor (a child of the same parent), by id. */
    Optional<Supervisor> siblingSupervisor(String id);

    /**
     * Reports that the service failed. Its supervisor stops it and applies its strategy; calls after
     * the first, or after the service was stopped, are ignored.
     */
    void crash(String reason, Throwable cause);

    /** Publishes an event to the tree's listener (e.g. a pool's worker that failed to start). */
    void publish(SupervisionEvent event);
}
