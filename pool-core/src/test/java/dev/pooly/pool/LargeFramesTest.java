package dev.pooly.pool;

import dev.pooly.supervisor.ProcessSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Request frames larger than a pipe holds, to a worker that streams its answer while it still reads
 * ({@code cat}): the worker blocks writing its answer once its stdout pipe is full, and stops reading
 * its stdin, so a lease that wrote the whole request before reading would wait forever (here: until the
 * deadline kills the worker). {@code cat} echoes a frame, so the answer equals the request.
 */
@Timeout(120)
class LargeFramesTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    /** Well past a Linux pipe's 64 KiB, each way. */
    private static final int LARGE = 3 << 20;

    private static PoolSpec cats(String name, Framing framing) {
        return PoolSpec.of(name, ProcessSpec.of(name, "cat"), 1, 0).withFraming(framing);
    }

    private static byte[] random(int n, long seed) {
        byte[] bytes = new byte[n];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @Test
    void aLargePacketRequestToAWorkerThatAnswersWhileReadingIsAnsweredNotDeadlocked() {
        try (RunningPool p = RunningPool.start(cats("big-packet", new Framing.Packet(4)));
             Lease lease = p.checkout()) {
            byte[] request = random(LARGE, 1);
            assertThat(lease.requestFrame(request, DEADLINE)).isEqualTo(request);
            // The lease is still good and in step: a small request after it gets its own answer.
            assertThat(lease.requestText("after", DEADLINE)).isEqualTo("after");
        }
    }

    @Test
    void aLargeContentLengthRequestIsAnsweredNotDeadlocked() {
        try (RunningPool p = RunningPool.start(cats("big-clen", new Framing.ContentLength()));
             Lease lease = p.checkout()) {
            byte[] request = "é".repeat(LARGE / 2).getBytes(StandardCharsets.UTF_8);
            assertThat(lease.requestFrame(request, DEADLINE)).isEqualTo(request);
        }
    }

    @Test
    void pipelinedLargeFramesFromAWriterThreadAndAReaderThreadAllArriveInOrder() throws Exception {
        // We test this by writing several large frames from one thread while another reads their answers,
        // as Lease documents pipelining: the two sides must not wait for each other.
        try (RunningPool p = RunningPool.start(cats("big-pipelined", new Framing.Packet(4)));
             Lease lease = p.checkout()) {
            List<byte[]> requests = new ArrayList<>();
            for (int i = 0; i < 4; i++) requests.add(random(LARGE / 2 + i, 10 + i));
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> requests.forEach(lease::writeFrame),
                    task -> Thread.ofPlatform().name("large-frames-writer").start(task));
            for (byte[] request : requests) assertThat(lease.readFrame(DEADLINE)).isEqualTo(request);
            writer.get();
            assertThat(lease.unanswered()).isZero();
        }
    }
}
