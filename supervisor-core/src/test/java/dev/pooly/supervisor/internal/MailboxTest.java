package dev.pooly.supervisor.internal;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The property that closes issue 9's finding 5: a message is either refused (offer returns false,
 * so the sender answers it at once) or it is still in the mailbox when the owner closes it (so the
 * owner answers it). None falls between the two, however senders interleave with the close.
 */
class MailboxTest {

    @RepeatedTest(20)
    void everyMessageOfferedConcurrentlyWithTheCloseIsEitherRefusedOrDrainedOrTaken() throws Exception {
        Mailbox<Integer> mailbox = new Mailbox<>();
        int senders = 4, each = 5_000;
        ConcurrentLinkedQueue<Integer> accepted = new ConcurrentLinkedQueue<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            int base = s * each;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) if (mailbox.offer(base + i)) accepted.add(base + i);
            }));
        }
        Set<Integer> seen = new HashSet<>();
        go.countDown();
        for (int i = 0; i < 1_000; i++) seen.add(mailbox.take()); // the owner at work, then it ends
        seen.addAll(mailbox.close());
        for (Thread t : threads) t.join();

        assertThat(seen).as("accepted messages the owner never saw").containsAll(accepted);
        assertThat(mailbox.offer(-1)).as("an offer after the close").isFalse();
    }

    @Test
    void closingTwiceIsAnError() {
        Mailbox<String> mailbox = new Mailbox<>();
        mailbox.close();
        assertThatThrownBy(mailbox::close).isInstanceOf(IllegalStateException.class).hasMessageContaining("terminated twice");
    }
}
