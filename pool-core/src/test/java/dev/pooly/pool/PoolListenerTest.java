package dev.pooly.pool;

import dev.pooly.pool.PoolListener.CheckoutResult;
import dev.pooly.supervisor.ExitReason;
import dev.pooly.supervisor.NodeStatus;
import dev.pooly.supervisor.ProcessSpec;
import dev.pooly.testing.Pids;
import dev.pooly.testing.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A pool tells its {@link PoolListener} of every checkout with its result and wait, every lease with
 * how long it was held, and every worker that leaves with why: what the daemon's metrics are made of.
 * Real {@code cat} and {@code sh} workers under a real supervision tree.
 */
@Timeout(60)
class PoolListenerTest {
    private static final Duration PATIENCE = Waits.PATIENCE;

    /** Everything the listener heard, in order, from any thread. */
    static final class Heard implements PoolListener {
        final ConcurrentLinkedQueue<CheckoutResult> results = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Long> waits = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Long> leases = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<ExitReason> exits = new ConcurrentLinkedQueue<>();

        @Override public void checkout(CheckoutResult result, long waitNanos) {
            results.add(result);
            waits.add(waitNanos);
        }

        @Override public void leaseEnded(long heldNanos) { leases.add(heldNanos); }

        @Override public void workerExited(ExitReason reason) { exits.add(reason); }
    }

    private static StandalonePool start(PoolSpec spec, Heard heard) {
        StandalonePool pool = Pools.start(spec, e -> {}, heard);
        Waits.await().until(() -> pool.status().idle() == spec.size());
        return pool;
    }

    @Test
    void everyCheckoutIsReportedWithItsResultAndWaitAndEveryLeaseWithHowLongItWasHeld() throws Exception {
        Heard heard = new Heard();
        try (StandalonePool pool = start(PoolSpec.of("heard", ProcessSpec.of("heard", "cat"), 1, 0), heard)) {
            Lease first = pool.checkout(PATIENCE);
            assertThat(pool.tryCheckout()).isEmpty();
            assertThatThrownBy(() -> pool.checkout(Duration.ofMillis(200))).isInstanceOf(PoolTimeoutException.class);
            CompletableFuture<Lease> queued = CompletableFuture.supplyAsync(() -> pool.checkout(PATIENCE));
            Waits.await().until(() -> pool.status().waiting() == 1);
            Thread.sleep(50); // not a wait for state: the queued caller must have waited measurably
            first.close();
            queued.get(PATIENCE.toSeconds(), TimeUnit.SECONDS).close();

            assertThat(List.copyOf(heard.results)).containsExactly(CheckoutResult.OK, CheckoutResult.FULL,
                    CheckoutResult.TIMEOUT, CheckoutResult.OK);
            List<Long> waits = List.copyOf(heard.waits);
            assertThat(waits.get(0)).as("served at once: no clock read, no wait").isZero();
            assertThat(waits.get(2)).as("a timeout waited its timeout (less what the handle spent before)")
                    .isBetween(Duration.ofMillis(150).toNanos(), Duration.ofMillis(200).toNanos());
            assertThat(waits.get(3)).as("the queued caller's wait").isGreaterThanOrEqualTo(Duration.ofMillis(50).toNanos());
            assertThat(heard.leases).hasSize(2).allSatisfy(held -> assertThat(held).isPositive());
            // Both leases were on the one worker: the first's time is its own, not the second's lending.
            assertThat(List.copyOf(heard.leases).get(0)).as("the first lease, held through a 200 ms timeout and a 50 ms queue")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(250).toNanos());
        }
    }

    @Test
    void everyWorkerThatLeavesIsReportedWithWhy() throws Exception {
        Heard heard = new Heard();
        PoolSpec spec = PoolSpec.of("why", ProcessSpec.of("why", "sh", "-c", "while read l; do [ \"$l\" = die ] && exit 3; echo \"$l\"; done"), 1, 0)
                .withMaxUses(2);
        try (StandalonePool pool = start(spec, heard)) {
            Lease lease = pool.checkout(PATIENCE);
            lease.discard();
            awaitExits(heard, ExitReason.KILLED);

            long pid;
            try (Lease again = pool.checkout(PATIENCE)) {
                pid = again.pid();
            }
            try (Lease used = pool.checkout(PATIENCE)) {
                assertThat(used.pid()).isEqualTo(pid);
            }
            awaitExits(heard, ExitReason.KILLED, ExitReason.MAX_USES);

            Waits.await().until(() -> pool.status().idle() == 1);
            try (Lease dying = pool.checkout(PATIENCE)) {
                dying.writeLine("die");
                Pids.awaitDead(dying.pid());
            } catch (PoolException expected) {
                // the worker died under the lease: closing it reports that
            }
            awaitExits(heard, ExitReason.KILLED, ExitReason.MAX_USES, ExitReason.CRASH);

            Waits.await().until(() -> pool.status().idle() == 1);
            long idle = pool.status().workers().getFirst().pid();
            String id = workerId(pool.supervisor().status(), idle);
            pool.supervisor().killChild(id).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            awaitExits(heard, ExitReason.KILLED, ExitReason.MAX_USES, ExitReason.CRASH, ExitReason.KILLED);
            Waits.await().until(() -> pool.status().idle() == 1);
        }
        assertThat(List.copyOf(heard.exits)).containsExactly(ExitReason.KILLED, ExitReason.MAX_USES, ExitReason.CRASH,
                ExitReason.KILLED, ExitReason.STOPPED);
    }

    private static void awaitExits(Heard heard, ExitReason... expected) {
        Waits.await().untilAsserted(() -> assertThat(List.copyOf(heard.exits)).containsExactly(expected));
    }

    private static String workerId(NodeStatus node, long pid) {
        if (node.pid() == pid) return node.id();
        for (NodeStatus child : node.children()) {
            String id = workerId(child, pid);
            if (id != null) return id;
        }
        return null;
    }
}
