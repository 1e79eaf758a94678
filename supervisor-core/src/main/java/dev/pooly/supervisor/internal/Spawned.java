package dev.pooly.supervisor.internal;

import dev.pooly.supervisor.ExitStatus;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

/**
 * A process as a {@link SpawnPath} started it: its handle, the parent's ends of its stdin and stdout,
 * where its stderr goes, and its exit (which whoever spawned it reaps). Immutable.
 *
 * @param stderr starts delivering stderr to a sink; called once
 */
record Spawned(ProcessHandle handle, OutputStream stdin, InputStream stdout, CompletableFuture<ExitStatus> exit,
               StderrSource stderr) {

    /** Delivers a process's stderr, chunk by chunk, until EOF. */
    interface StderrSource {
        void deliverTo(Sink sink);
    }

    /** Receives stderr chunks (on one thread at a time) and then, once, the end. */
    interface Sink {
        void write(byte[] buf, int off, int len);

        void ended();
    }
}
