package dev.pooly.testcontainers;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Round trips through a pool of the real daemon in a container, with the real CLI: call, checkout, status. */
@ExtendWith(DockerRequired.class)
@Testcontainers
class PoolCallIT {
    @Container
    static final PoolyContainer pooly = TestPooly.container("calls.yaml");

    @BeforeEach
    void bothWorkersIdle() {
        await().atMost(Duration.ofSeconds(90)).until(() -> pooly.status().pool("upper").idle() == 2);
    }

    @Test
    void callReturnsTheWorkersResponseLine() {
        assertThat(pooly.call("upper", "hello, pooly")).isEqualTo("HELLO, POOLY");
    }

    @Test
    void callSendsEveryStdinLineThroughOneLeaseAndAnswersInOrder() {
        int leasesBefore = leases(pooly.status().pool("upper"));

        List<String> responses = pooly.call("upper", List.of("one", "two", "three", "four"));

        assertThat(responses).containsExactly("ONE", "TWO", "THREE", "FOUR");
        assertThat(leases(pooly.status().pool("upper"))).isEqualTo(leasesBefore + 1);
    }

    @Test
    void checkoutRelaysRawBytesToOneWorkerUntilStdinEnds() {
        assertThat(pooly.checkout("upper", "bytes\nin and out\n")).isEqualTo("BYTES\nIN AND OUT\n");
    }

    @Test
    void callToAnUnknownPoolExits69AndNamesThePools() {
        ExecResult result = pooly.execPooly("call", "nosuchpool", "hi");

        assertThat(result.getExitCode()).isEqualTo(69);
        assertThat(result.getStderr()).contains("nosuchpool").contains("upper");
    }

    @Test
    void statusReportsThePoolAndTheTreeWithTheContractsFields() {
        PoolyStatus status = pooly.status();

        PoolyStatus.Pool upper = status.pool("upper");
        assertThat(upper.state()).isEqualTo("ready");
        assertThat(upper.size()).isEqualTo(2);
        assertThat(upper.maxOverflow()).isEqualTo(1);
        assertThat(upper.idle()).isEqualTo(2);
        assertThat(upper.busy()).isZero();
        assertThat(upper.overflow()).isZero();
        assertThat(upper.waiting()).isZero();
        assertThat(upper.workers()).hasSize(2).allSatisfy(w -> {
            assertThat(w.pid()).isPositive();
            assertThat(w.state()).isEqualTo("idle");
        });
        assertThat(status.tree().id()).isEqualTo("root");
        assertThat(status.tree().type()).isEqualTo("supervisor");
        assertThat(status.node("upper").type()).isEqualTo("pool");
        assertThat(status.node("upper.workers").children()).extracting(PoolyStatus.Node::type).containsOnly("worker");
        assertThat(status.node("upper.workers").children()).extracting(PoolyStatus.Node::pid)
                .containsExactlyInAnyOrderElementsOf(upper.pids());
    }

    private static int leases(PoolyStatus.Pool pool) {
        return pool.workers().stream().mapToInt(PoolyStatus.Worker::uses).sum();
    }
}
