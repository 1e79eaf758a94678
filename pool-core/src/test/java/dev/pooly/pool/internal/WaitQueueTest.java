package dev.pooly.pool.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The wait queue on its own: FIFO order, removal, and the hand-off vs give-up race losing nothing. */
class WaitQueueTest {

    @Test
    void waitersAreServedFirstComeFirstServedAndARemovedOneIsSkipped() {
        WaitQueue<String> q = new WaitQueue<>();
        WaitQueue.Waiter<String> a = q.enqueue(), b = q.enqueue(), c = q.enqueue();
        assertThat(q.size()).isEqualTo(3);
        q.remove(b);
        q.remove(b); // no longer queued: nothing
        assertThat(q.size()).isEqualTo(2);
        assertThat(q.poll()).isSameAs(a);
        assertThat(q.poll()).isSameAs(c);
        assertThat(q.poll()).isNull();
        assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void aWaiterHandedAValueGetsItAndAFailedOneGetsTheError() throws Exception {
        WaitQueue<String> q = new WaitQueue<>();
        WaitQueue.Waiter<String> a = q.enqueue(), b = q.enqueue();
        assertThat(q.poll().handOver("w1")).isTrue();
        assertThat(a.await(1_000_000)).isEqualTo("w1");
        assertThat(q.failFirst(new IllegalStateException("start failed"))).isTrue();
        assertThatThrownBy(() -> b.await(1_000_000)).isInstanceOf(ExecutionException.class).hasMessageContaining("start failed");
        assertThat(q.failFirst(new IllegalStateException("nobody"))).isFalse();
    }

    @Test
    void aTimedOutWaitReturnsNullAndAValueHandedToAWaiterThatGaveUpIsRefused() throws Exception {
        WaitQueue<String> q = new WaitQueue<>();
        WaitQueue.Waiter<String> a = q.enqueue();
        assertThat(a.await(1)).isNull(); // timed out, and its cancel won
        assertThat(a.handOver("late")).isFalse(); // the hand-off sees the loss: the value never reached anyone
        q.remove(a);
        assertThat(q.isEmpty()).isTrue();
    }

    /** poolboy #64/#70: a worker handed over at the instant its waiter gives up is never lost. */
    @Test
    void ofAHandOffRacingAGiveUpExactlyOneSideOwnsTheValue() throws Exception {
        AtomicInteger lost = new AtomicInteger();
        for (int round = 0; round < 2_000; round++) {
            WaitQueue<Integer> q = new WaitQueue<>();
            WaitQueue.Waiter<Integer> w = q.enqueue();
            q.poll();
            CountDownLatch go = new CountDownLatch(1);
            int value = round;
            List<Integer> owners = new ArrayList<>();
            Thread giver = Thread.ofPlatform().start(() -> {
                await(go);
                if (!w.handOver(value)) synchronized (owners) { owners.add(-1); } // taken back by the giver
            });
            go.countDown();
            Integer got = w.cancelOrTake();
            giver.join();
            if (got != null) owners.add(got);
            if (owners.size() != 1) lost.incrementAndGet();
            if (got != null) assertThat(got).isEqualTo(value);
        }
        assertThat(lost).as("rounds where the value was lost or owned twice").hasValue(0);
    }

    private static void await(CountDownLatch go) {
        if (go.getCount() == 0) return;
        try {
            go.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
