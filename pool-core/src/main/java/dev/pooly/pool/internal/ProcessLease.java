package dev.pooly.pool.internal;

import dev.pooly.pool.Lease;
import dev.pooly.pool.PoolException;
import dev.pooly.pool.WorkerDiedException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ref.Cleaner;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A lease on a worker process: the public face of one {@link Grant}, which holds the
 * lease's state. Every operation, raw stream calls included, is bracketed by
 * {@link Grant#enter()}/{@link Grant#exit()}, so an ended lease can never reach the
 * worker again. A {@link Cleaner} abandons the lease if it becomes unreachable while still active.
 * Thread-safety as documented on {@link Lease}.
 */
final class ProcessLease implements Lease {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ProcessLease.class);
    private static final Cleaner CLEANER = Cleaner.create(Thread.ofPlatform().name("pooly-lease-cleaner").daemon(true).factory());

    private final Grant<PooledProcess> grant;
    private final Cleaner.Cleanable cleanable;
    private final OutputStream stdin;
    private final InputStream stdout;

    /** The cleaning action: it must not reach the lease, or the lease would never become unreachable. */
    private record Reclaim(Grant<PooledProcess> grant) implements Runnable {
        @Override public void run() {
            grant.pool().abandon(grant); // does nothing if the lease already ended
        }
    }

    ProcessLease(Grant<PooledProcess> grant) {
        this.grant = grant;
        this.cleanable = CLEANER.register(this, new Reclaim(grant));
        this.stdin = new GuardedStdin();
        this.stdout = new GuardedStdout();
    }

    @Override public String pool() { return grant.pool().settings().name(); }

    @Override public long pid() { return grant.worker().pid(); }

    @Override public ProcessHandle process() {
        // What a holder does with the handle (a signal that makes the worker write) cannot be counted.
        grant.uncounted("took the worker's process handle");
        return grant.resource().process().handle();
    }

    @Override public int uses() { return grant.worker().uses(); }

    @Override public OutputStream stdin() { return stdin; }

    @Override public InputStream stdout() { return stdout; }

    @Override public String request(String line, Duration deadline) {
        checkOneLine(line);
        grant.enter();
        PoolCore<PooledProcess> pool = grant.pool();
        WorkerChannel channel = grant.resource().channel();
        grant.expect(1);
        // The pool's sweeper kills the worker if the deadline passes: a blocked pipe read cannot be cancelled otherwise.
        pool.requestStarted(grant, deadline);
        try {
            // A long line goes aside so the answer is read while it is written (AsideWrite: a worker that answers while reading).
            AsideWrite aside = AsideWrite.write(line.length(), pid(), () -> channel.writeLine(line));
            String response = channel.readLine();
            if (response == null) throw died("closed its stdout before answering", null);
            AsideWrite.await(aside); // within the deadline: a worker that never reads the rest is killed
            grant.answered();
            return response;
        } catch (IOException e) {
            throw died("failed mid-request (" + e.getMessage() + ")", e);
        } finally {
            pool.requestFinished(grant);
            grant.exit();
        }
    }

    @Override public boolean isAlive() {
        return grant.active() && grant.resource().process().isAlive();
    }

    @Override public void writeLine(String line) {
        checkOneLine(line);
        grant.enter();
        try {
            grant.expect(1);
            grant.resource().channel().writeLine(line);
        } catch (IOException e) {
            throw died("failed mid-request (" + e.getMessage() + ")", e);
        } finally {
            grant.exit();
        }
    }

    @Override public String readLine() {
        return readLine(null);
    }

    @Override public String readLine(Duration deadline) {
        grant.enter();
        PoolCore<PooledProcess> pool = grant.pool();
        // As in request(): the sweeper enforces the deadline by killing the worker, which ends this read.
        if (deadline != null) pool.requestStarted(grant, deadline);
        try {
            String response = grant.resource().channel().readLine();
            if (response == null) throw died("closed its stdout before answering", null);
            grant.answered();
            return response;
        } catch (IOException e) {
            throw died("failed mid-request (" + e.getMessage() + ")", e);
        } finally {
            if (deadline != null) pool.requestFinished(grant);
            grant.exit();
        }
    }

    @Override public dev.pooly.pool.Framing framing() { return grant.resource().channel().framing(); }

    @Override public byte[] requestFrame(byte[] request, Duration deadline) {
        WorkerChannel channel = grant.resource().channel();
        channel.codec().check(request); // before the lease is touched: a refused request reaches no worker
        grant.enter();
        PoolCore<PooledProcess> pool = grant.pool();
        grant.expect(1);
        pool.requestStarted(grant, deadline); // as in request(): the sweeper kills the worker at the deadline
        dev.pooly.pool.FrameException bad = null;
        try {
            // A large frame goes aside so the answer is read while it is written (AsideWrite: a worker that answers while reading).
            AsideWrite aside = AsideWrite.write(request.length, pid(), () -> channel.writeFrame(request));
            byte[] answer = channel.readFrame();
            if (answer == null) throw died("closed its stdout before answering", null);
            AsideWrite.await(aside); // within the deadline: a worker that never reads the rest is killed
            grant.answered();
            return answer;
        } catch (dev.pooly.pool.FrameException e) {
            bad = e;
            throw e; // replaced below by badFrame(), after exit(): the lease is ended outside the operation
        } catch (IOException e) {
            throw died("failed mid-request (" + e.getMessage() + ")", e);
        } finally {
            pool.requestFinished(grant);
            grant.exit();
            if (bad != null) throw badFrame(bad);
        }
    }

    @Override public void writeFrame(byte[] request) {
        WorkerChannel channel = grant.resource().channel();
        channel.codec().check(request);
        grant.enter();
        try {
            grant.expect(1);
            channel.writeFrame(request);
        } catch (IOException e) {
            throw died("failed mid-request (" + e.getMessage() + ")", e);
        } finally {
            grant.exit();
        }
    }

    @Override public byte[] readFrame(Duration deadline) {
        grant.enter();
        PoolCore<PooledProcess> pool = grant.pool();
        if (deadline != null) pool.requestStarted(grant, deadline);
        dev.pooly.pool.FrameException bad = null;
        try {
            byte[] answer = grant.resource().channel().readFrame();
            if (answer == null) throw died("closed its stdout before answering", null);
            grant.answered();
            return answer;
        } catch (dev.pooly.pool.FrameException e) {
            bad = e;
            throw e;
        } catch (IOException e) {
            throw died("failed mid-request (" + e.getMessage() + ")", e);
        } finally {
            if (deadline != null) pool.requestFinished(grant);
            grant.exit();
            if (bad != null) throw badFrame(bad);
        }
    }

    /**
     * A bad answer frame: the worker's stream can no longer be trusted to line up with requests, so the
     * lease ends and the worker is replaced (discard), and the caller learns pool, pid, what and the first bytes.
     */
    private RuntimeException badFrame(dev.pooly.pool.FrameException e) {
        if (!grant.active()) return grant.revoked(); // the pool ended it first (deadline, death): its reason wins
        String message = "pool " + pool() + ": worker " + pid() + " wrote a bad answer frame (" + framing().kind() + "): " + e.getMessage();
        LOG.warn("{}; replacing the worker", message);
        try {
            grant.pool().discard(grant);
        } catch (IllegalStateException ended) {
            // Ended meanwhile by the pool: the worker is being replaced anyway.
        }
        cleanable.clean();
        return new dev.pooly.pool.BadFrameException(message, e);
    }

    @Override public void expectAnswers(int requests) {
        grant.enter();
        try {
            grant.expect(requests);
        } finally {
            grant.exit();
        }
    }

    @Override public int unanswered() { return grant.unanswered(); }

    @Override public int unreadOutput() {
        try {
            grant.enter();
        } catch (RuntimeException ended) {
            return 0;
        }
        try {
            return grant.resource().channel().unread();
        } catch (IOException e) {
            return 0;
        } finally {
            grant.exit();
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
        if (!grant.active()) return grant.revoked();
        return new WorkerDiedException("pool " + pool() + ": worker " + pid() + " " + what, cause);
    }

    /**
     * Checks the worker in (it goes back only if quiet). After {@link #discard}, {@link #abandon} or an
     * ending by the pool it does nothing (so try-with-resources around a discard is fine); a second
     * {@code close()} is an error.
     */
    @Override public void close() {
        checkin();
    }

    @Override public boolean checkin() {
        boolean quiet = grant.pool().checkin(grant);
        cleanable.clean(); // deregisters; the action finds the lease ended and does nothing
        return quiet;
    }

    @Override public void discard() {
        grant.pool().discard(grant);
        cleanable.clean();
    }

    @Override public void abandon() {
        grant.pool().abandon(grant);
        cleanable.clean();
    }

    @Override public String toString() { return grant.toString(); }

    /** The worker's stdin through this lease: closing flushes (closing the pipe would end the worker for every later holder). */
    private final class GuardedStdin extends OutputStream {
        /**
         * Bytes written while no declared request is owed an answer are raw: the pool cannot know that
         * an answer to them is still coming. Declared requests ({@link #expectAnswers}) are counted before
         * their bytes are written, so their writes find a count above zero.
         */
        private void count() {
            if (grant.unanswered() == 0) grant.uncounted("wrote bytes to the worker's stdin that no request accounts for");
        }

        @Override public void write(int b) throws IOException {
            grant.enter();
            try {
                count();
                grant.resource().channel().stdin().write(b);
            } finally {
                grant.exit();
            }
        }

        @Override public void write(byte[] b, int off, int len) throws IOException {
            grant.enter();
            try {
                count();
                grant.resource().channel().stdin().write(b, off, len);
            } finally {
                grant.exit();
            }
        }

        @Override public void flush() throws IOException {
            grant.enter();
            try {
                grant.resource().channel().stdin().flush();
            } finally {
                grant.exit();
            }
        }

        @Override public void close() throws IOException {
            flush();
        }
    }

    /** The worker's stdout through this lease, read-ahead of the line helper first. */
    private final class GuardedStdout extends InputStream {
        private final InputStream in = grant.resource().channel().stdout();

        @Override public int read() throws IOException {
            grant.enter();
            try {
                return in.read();
            } finally {
                grant.exit();
            }
        }

        @Override public int read(byte[] b, int off, int len) throws IOException {
            grant.enter();
            try {
                return in.read(b, off, len);
            } finally {
                grant.exit();
            }
        }

        @Override public int available() throws IOException {
            grant.enter();
            try {
                return in.available();
            } finally {
                grant.exit();
            }
        }

        @Override public void close() {
            // The pipe belongs to the worker, not to this lease.
        }
    }
}
