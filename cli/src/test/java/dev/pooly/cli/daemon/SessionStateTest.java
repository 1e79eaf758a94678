package dev.pooly.cli.daemon;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The lease session's state machine on its own: its transitions, and that exactly one end wins a race. */
class SessionStateTest {

    @Test
    void aRequestIsCountedOnlyWhileActiveAndItsAnswerUncountsIt() throws Exception {
        SessionState state = new SessionState(Duration.ofSeconds(5));
        assertThat(state.countRequest()).isEqualTo(SessionState.Phase.ACTIVE);
        assertThat(state.oldestDeadline()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(5));
        assertThat(state.nextStep(0, 1)).isEqualTo(SessionState.Step.ANSWER);
        assertThat(state.answerRead()).isEqualTo(SessionState.Answered.LAST);
        assertThat(state.oldestDeadline()).isNull();
        assertThat(state.beginCheckin()).isEqualTo(SessionState.Phase.ACTIVE);
        assertThat(state.countRequest()).isEqualTo(SessionState.Phase.CHECKING_IN);
        assertThat(state.beginCheckin()).isEqualTo(SessionState.Phase.CHECKING_IN);
        assertThat(state.nextStep(0, 1)).isEqualTo(SessionState.Step.RETURN);
        assertThat(state.returned()).isEqualTo(SessionState.Return.CHECKIN);
        assertThat(state.nextStep(0, 1)).isEqualTo(SessionState.Step.STOP);
        assertThat(state.countRequest()).isEqualTo(SessionState.Phase.ENDED);
        assertThat(state.end()).isFalse();
    }

    @Test
    void outputWithNothingOutstandingIsUnaskedAndAClientEndMidRequestMustReplace() throws Exception {
        SessionState state = new SessionState(null);
        assertThat(state.nextStep(3, 1)).isEqualTo(SessionState.Step.UNASKED);
        assertThat(state.nextStep(0, 1)).isEqualTo(SessionState.Step.IDLE);
        state.countRequest();
        assertThat(state.oldestDeadline()).isNull();
        assertThat(state.endByClient(SessionState.Return.ABANDON)).isEqualTo(SessionState.ClientEnd.MID_REQUEST);
        assertThat(state.end()).isTrue();
        assertThat(state.answerRead()).isEqualTo(SessionState.Answered.ENDED);
        assertThat(state.endByClient(SessionState.Return.ABANDON)).isEqualTo(SessionState.ClientEnd.ALREADY_ENDED);
        assertThat(state.endReturning()).isNull();
    }

    @Test
    void aVanishedBytesClientIsAbandonedOnceAndADrainAfterItReturnsAsAbandoned() {
        SessionState state = new SessionState(null);
        assertThat(state.bytesStep()).isEqualTo(SessionState.BytesStep.RELAY);
        assertThat(state.endByClient(SessionState.Return.ABANDON)).isEqualTo(SessionState.ClientEnd.RETURNING);
        assertThat(state.bytesStep()).isEqualTo(SessionState.BytesStep.ABANDONED);
        assertThat(state.bytesStep()).isEqualTo(SessionState.BytesStep.STOP);

        SessionState drained = new SessionState(null);
        drained.endByClient(SessionState.Return.ABANDON);
        assertThat(drained.endReturning()).isEqualTo(SessionState.Return.ABANDON);
        assertThat(new SessionState(null).endReturning()).isEqualTo(SessionState.Return.CHECKIN);
    }

    @Test
    void ofManyThreadsEndingOneSessionExactlyOneEndsIt() throws Exception {
        for (int round = 0; round < 200; round++) {
            SessionState state = new SessionState(null);
            state.endByClient(SessionState.Return.ABANDON);
            AtomicInteger winners = new AtomicInteger();
            CountDownLatch go = new CountDownLatch(1);
            Thread[] threads = new Thread[4];
            for (int i = 0; i < threads.length; i++) {
                int kind = i;
                threads[i] = Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                        boolean won = switch (kind) {
                            case 0 -> state.end();
                            case 1 -> state.nextStep(0, 1) == SessionState.Step.RETURN;
                            case 2 -> state.bytesStep() == SessionState.BytesStep.ABANDONED;
                            default -> state.endReturning() != null;
                        };
                        if (won) winners.incrementAndGet();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            go.countDown();
            for (Thread t : threads) t.join();
            assertThat(winners).as("round %d", round).hasValue(1);
        }
    }
}
