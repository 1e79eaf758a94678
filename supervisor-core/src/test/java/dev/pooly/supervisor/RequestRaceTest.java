package dev.pooly.supervisor;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.pooly.supervisor.Children.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests racing a supervisor's end (issue 9, finding 5): a request checked "alive" and was then
 * queued after the actor had drained its mailbox for the last time, so its future never completed
 * (and the daemon's SIGTERM path joins such a future). Every request must complete, one way or the
 * other, however it interleaves with the end.
 */
class RequestRaceTest {
    private static final int ROUNDS = 20;
    private static final int CALLERS = 4;

    @Test
    void everyRequestRacingAGiveUpCompletes() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            Supervisor root = SupervisionTree.start(root(Strategy.ONE_FOR_ONE, intensity(0, Duration.ofSeconds(5)),
                    sleeper("s")));
            raceEnd(root, () -> root.killChild("s")); // intensity 0: the crash makes it give up
        }
    }

    @Test
    void everyRequestRacingAShutdownCompletes() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            Supervisor root = SupervisionTree.start(root(Strategy.ONE_FOR_ONE, sleeper("s")));
            raceEnd(root, root::shutdown);
        }
    }

    private static void raceEnd(Supervisor root, Runnable end) throws Exception {
        ConcurrentLinkedQueue<CompletableFuture<?>> replies = new ConcurrentLinkedQueue<>();
        AtomicBoolean over = new AtomicBoolean();
        List<Thread> callers = new ArrayList<>();
        for (int i = 0; i < CALLERS; i++) {
            int which = i;
            callers.add(Thread.ofPlatform().start(() -> {
                // Keep asking until well after the end, so that some request lands in every window.
                // One request in flight per caller (waited for briefly), so the mailbox stays short and
                // the end is not queued behind a flood.
                int after = 0;
                while (after < 50) {
                    CompletableFuture<?> reply = which % 2 == 0 ? root.startChild("s") : root.shutdown();
                    replies.add(reply);
                    try {
                        reply.get(20, TimeUnit.MILLISECONDS);
                    } catch (Exception e) {
                        // refused, or (the bug) never answered: counted at the end
                    }
                    if (over.get()) after++;
                }
            }));
        }
        end.run();
        root.termination().get(10, TimeUnit.SECONDS);
        over.set(true);
        for (Thread t : callers) t.join();
        // One bound for all of them: answered or refused, every future is done within it.
        try {
            CompletableFuture.allOf(replies.stream().map(r -> r.exceptionally(e -> null)).toArray(CompletableFuture[]::new))
                    .get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            // counted below
        }
        long pending = replies.stream().filter(r -> !r.isDone()).count();
        assertThat(pending).as("requests whose future never completed, of " + replies.size()).isZero();
    }
}
