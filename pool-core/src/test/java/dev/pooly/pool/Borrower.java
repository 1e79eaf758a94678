package dev.pooly.pool;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A caller on a thread of its own (poolboy's {@code spawn(fun() -> poolboy:checkout(Pid) ... end)}):
 * it checks out once and then holds its lease until the test tells it to check in, or to vanish (its
 * thread ends with the lease still out: an owner death).
 *
 * <p>Thread-safe: the test thread commands, the borrower thread obeys.
 */
final class Borrower {
    private enum Ending { CHECKIN, VANISH }

    private final CompletableFuture<Lease> lease = new CompletableFuture<>();
    private final CompletableFuture<Ending> ending = new CompletableFuture<>();
    private final CompletableFuture<Throwable> checkinFailure = new CompletableFuture<>();
    private volatile boolean interruptedAfterFailure;
    private final Thread thread;

    private Borrower(RunningPool pool, String name, Duration timeout) {
        this.thread = Thread.ofPlatform().name("borrower-" + name).daemon().unstarted(() -> run(pool, timeout));
    }

    static Borrower start(RunningPool pool, String name, Duration timeout) {
        Borrower borrower = new Borrower(pool, name, timeout);
        borrower.thread.start();
        return borrower;
    }

    private void run(RunningPool pool, Duration timeout) {
        Lease held;
        try {
            held = pool.checkout(timeout);
        } catch (Throwable t) {
            interruptedAfterFailure = Thread.currentThread().isInterrupted();
            lease.completeExceptionally(t);
            checkinFailure.complete(null);
            return;
        }
        lease.complete(held);
        if (ending.join() == Ending.CHECKIN) {
            try {
                held.close();
                checkinFailure.complete(null);
            } catch (Throwable t) {
                checkinFailure.complete(t);
            }
        } else {
            checkinFailure.complete(null);
        }
    }

    /** Whether the checkout has returned a lease by now. */
    boolean served() {
        return lease.isDone() && !lease.isCompletedExceptionally();
    }

    boolean finishedCheckout() {
        return lease.isDone();
    }

    /** Waits for the lease; fails if the checkout failed or takes longer than the tests' patience. */
    Lease awaitLease() {
        try {
            return lease.get(RunningPool.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("checkout of " + thread.getName() + " failed", e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError(thread.getName() + " got no worker within " + RunningPool.PATIENCE, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Waits for the checkout to fail and returns why; fails if it succeeded. */
    Throwable awaitCheckoutFailure() {
        try {
            Lease got = lease.get(RunningPool.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            throw new AssertionError(thread.getName() + " was expected to fail but got worker " + got.pid());
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            throw new AssertionError(thread.getName() + " still waits after " + RunningPool.PATIENCE, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Checks the lease in from the borrower's own thread and waits for that; fails if the checkin threw. */
    void checkin() {
        ending.complete(Ending.CHECKIN);
        awaitEnd();
        assertThat(checkinFailure.join()).as("checkin by %s", thread.getName()).isNull();
    }

    /** Ends the borrower's thread without checking in: the owner is gone. */
    void vanish() {
        ending.complete(Ending.VANISH);
        awaitEnd();
    }

    /** Whether the thread's interrupt flag was set when its checkout failed. */
    boolean interruptFlagSetAfterFailure() {
        return interruptedAfterFailure;
    }

    /** The interrupt a caller gets while it waits in the queue. */
    void interrupt() {
        thread.interrupt();
    }

    /** Lets the thread end (checking in if it still holds a lease); used when the test is over. */
    void release() {
        ending.complete(Ending.CHECKIN);
    }

    void awaitEnd() {
        try {
            if (!thread.join(RunningPool.PATIENCE.plusSeconds(15))) {
                throw new AssertionError(thread.getName() + " did not end");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    Thread thread() {
        return thread;
    }
}
