package dev.pooly.pool.internal;

import dev.pooly.pool.Lease;
import dev.pooly.pool.PoolException;
import dev.pooly.pool.WorkerDiedException;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ref.Cleaner;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A lease on a worker process. Closing, discarding and abandoning race through one
 * {@link AtomicBoolean}, so exactly one of them (or the {@link Cleaner}, when the lease became
 * unreachable unclosed) acts. Thread-safety as documented on {@link Lease}.
 */
final class ProcessLease implements Lease {
    private static final Cleaner CLEANER = Cleaner.create(Thread.ofPlatform().name("pooly-lease-cleaner").daemon(true).factory());

    private final PoolCore.Grant<PooledProcess> grant;
    private final Ending ending;
    private final Cleaner.Cleanable cleanable;

    private static final int OPEN = 0, CHECKED_IN = 1, GIVEN_UP = 2;

    /**
     * How the lease ended (OPEN until then), and the cleaning action, which must not reach the lease
     * or the lease would never become unreachable.
     */
    private record Ending(java.util.concurrent.atomic.AtomicInteger how, PoolCore.Grant<PooledProcess> grant) implements Runnable {
        boolean done() { return how.get() != OPEN; }

        @Override public void run() {
            if (how.compareAndSet(OPEN, GIVEN_UP)) grant.pool().abandon(grant);
        }
    }

    ProcessLease(PoolCore.Grant<PooledProcess> grant) {
        this.grant = grant;
        this.ending = new Ending(new java.util.concurrent.atomic.AtomicInteger(OPEN), grant);
        this.cleanable = CLEANER.register(this, ending);
    }

    @Override public String pool() { return grant.pool().settings().name(); }

    @Override public long pid() { return grant.worker().pid(); }

    @Override public int uses() { return grant.worker().uses(); }

    @Override public OutputStream stdin() {
        // Closing the worker's stdin would end the worker for every later holder: flush instead.
        return new FilterOutputStream(grant.resource().channel().stdin()) {
            @Override public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override public void close() throws IOException {
                flush();
            }
        };
    }

    @Override public InputStream stdout() { return grant.resource().channel().stdout(); }

    @Override public String request(String line, Duration deadline) {
        ensureUsable();
        checkOneLine(line);
        PoolCore<PooledProcess> pool = grant.pool();
        // The pool's sweeper kills the worker if the deadline passes: a blocked pipe read cannot be cancelled otherwise.
        pool.requestStarted(grant, System.nanoTime() + deadline.toNanos());
        WorkerChannel channel = grant.resource().channel();
        try {
            channel.writeLine(line);
            String response = channel.readLine();
            if (response != null) return response;
            throw died("closed its stdout before answering", null);
        } catch (IOException e) {
            throw died("failed mid-request (" + e.getMessage() + ")", e);
        } finally {
            pool.requestFinished(grant);
        }
    }

    @Override public boolean isAlive() {
        return !ending.done() && grant.invalid() == null && grant.resource().process().isAlive();
    }

    @Override public void writeLine(String line) {
        ensureUsable();
        checkOneLine(line);
        try {
            grant.resource().channel().writeLine(line);
        } catch (IOException e) {
            throw died("failed mid-request (" + e.getMessage() + ")", e);
        }
    }

    @Override public String readLine() {
        ensureUsable();
        try {
            String response = grant.resource().channel().readLine();
            if (response != null) return response;
            throw died("closed its stdout before answering", null);
        } catch (IOException e) {
            throw died("failed mid-request (" + e.getMessage() + ")", e);
        }
    }

    private static void checkOneLine(String line) {
        if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a request is one line: it must not contain line breaks");
        }
    }

    /** Why the worker went away: the pool's reason (deadline, revocation, death) if it has one. */
    private PoolException died(String what, Throwable cause) {
        // EOF usually comes a moment before the exit is reported; give the pool that moment to say why.
        try {
            grant.resource().process().exit().get(200, TimeUnit.MILLISECONDS);
        } catch (Exception ignored) {
            // Still alive or interrupted: fall through with what we know.
        }
        PoolException why = grant.invalid();
        if (why != null) return copy(why);
        return new WorkerDiedException("pool " + pool() + ": worker " + pid() + " " + what, cause);
    }

    private void ensureUsable() {
        if (ending.done()) throw new IllegalStateException("lease on worker " + pid() + " of pool " + pool() + " is closed");
        PoolException why = grant.invalid();
        if (why != null) throw copy(why);
    }

    private static PoolException copy(PoolException why) {
        return switch (why) {
            case dev.pooly.pool.LeaseTimeoutException t -> new dev.pooly.pool.LeaseTimeoutException(t.getMessage(), t);
            case dev.pooly.pool.LeaseRevokedException r -> new dev.pooly.pool.LeaseRevokedException(r.getMessage(), r);
            case WorkerDiedException d -> new WorkerDiedException(d.getMessage(), d);
            case dev.pooly.pool.PoolClosedException c -> new dev.pooly.pool.PoolClosedException(c.getMessage(), c);
            default -> new PoolException(why.getMessage(), why);
        };
    }

    private boolean finish(int how) {
        if (!ending.how().compareAndSet(OPEN, how)) return false;
        cleanable.clean(); // deregisters; the action sees the lease ended and does nothing
        return true;
    }

    /**
     * Checks the worker in. After {@link #discard} or {@link #abandon} it does nothing (so
     * try-with-resources around a discard is fine); a second {@code close()} is an error.
     */
    @Override public void close() {
        if (finish(CHECKED_IN)) {
            grant.pool().checkin(grant);
        } else if (ending.how().get() == CHECKED_IN) {
            throw new IllegalStateException("lease on worker " + pid() + " of pool " + pool()
                    + " was already checked in: you most likely called close() twice");
        }
    }

    @Override public void discard() {
        if (!finish(GIVEN_UP)) throw new IllegalStateException("lease on worker " + pid() + " of pool " + pool() + " has already ended");
        grant.pool().discard(grant);
    }

    @Override public void abandon() {
        if (finish(GIVEN_UP)) grant.pool().abandon(grant);
    }

    @Override public String toString() { return "lease on worker " + pid() + " of pool " + pool(); }
}
