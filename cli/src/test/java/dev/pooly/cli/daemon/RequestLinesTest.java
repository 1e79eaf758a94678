package dev.pooly.cli.daemon;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Request lines over a real Unix socket: split where the client put the newlines, and bounded. */
class RequestLinesTest {
    @TempDir Path dir;
    private ServerSocketChannel server;
    private SocketChannel client;
    private SocketChannel accepted;
    private final AtomicLong consumed = new AtomicLong();

    @BeforeEach
    void connect() throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(dir.resolve("s")));
        client = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("s")));
        accepted = server.accept();
    }

    @AfterEach
    void close() throws IOException {
        client.close();
        accepted.close();
        server.close();
    }

    /** The daemon's end, counting every byte it takes from the socket. */
    private RequestLines daemonEnd() {
        InputStream counted = new FilterInputStream(Channels.newInputStream(accepted)) {
            @Override public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) consumed.addAndGet(n);
                return n;
            }
        };
        return new RequestLines(counted);
    }

    private Thread send(byte[] bytes, boolean thenClose) {
        return Thread.ofPlatform().start(() -> {
            try {
                OutputStream out = Channels.newOutputStream(client);
                out.write(bytes);
                out.flush();
                if (thenClose) client.shutdownOutput();
            } catch (IOException e) {
                // The daemon's end closed: what a client over the limit sees.
            }
        });
    }

    @Test
    void linesEndAtNewlinesWithOrWithoutCarriageReturnAndTheLastOneAtEndOfStream() throws Exception {
        String long1 = "x".repeat(20_000); // longer than the reader's buffer
        // Longer than several chunks, with 2- and 3-byte characters cut at chunk boundaries.
        String long2 = "\u00e9\u2603".repeat(50_000);
        send(("{\"op\":\"status\"}\n" + long1 + "\r\n" + long2 + "\r\n\nh\u00e9llo \u2603\nlast").getBytes(StandardCharsets.UTF_8), true);
        RequestLines lines = daemonEnd();
        lines.limit(RequestLines.MESSAGE_LIMIT, "a line after the request");

        assertThat(lines.readLine()).isEqualTo("{\"op\":\"status\"}");
        assertThat(lines.readLine()).isEqualTo(long1);
        assertThat(lines.readLine()).isEqualTo(long2);
        assertThat(lines.readLine()).isEmpty();
        assertThat(lines.readLine()).isEqualTo("h\u00e9llo \u2603");
        assertThat(lines.readLine()).isEqualTo("last");
        assertThat(lines.readLine()).isNull();
    }

    @Test
    void aLineOverTheLimitIsRefusedOnceTheLimitIsPassedWithoutReadingTheRest() throws Exception {
        // We test this by sending 20 MB without a newline and counting what the reader took from the socket.
        byte[] garbage = new byte[20 << 20];
        Arrays.fill(garbage, (byte) 'a');
        Thread sender = send(garbage, false);
        RequestLines lines = daemonEnd();

        RequestLines.TooLong refused = catchThrowableOfType(RequestLines.TooLong.class, lines::readLine);

        assertThat(refused).isNotNull();
        assertThat(refused.limit()).isEqualTo(RequestLines.REQUEST_LIMIT);
        assertThat(refused).hasMessageStartingWith("line longer than 1 MiB (1048576 bytes), the limit for a request line");
        assertThat(consumed.get()).as("bytes read from the socket").isLessThanOrEqualTo(RequestLines.REQUEST_LIMIT + 8192);
        accepted.close();
        sender.join();
    }

    @Test
    void aLeaseSessionsLinesMayBeLongerThanTheRequestLine() throws Exception {
        String big = "y".repeat(3 << 20);
        send(("{\"op\":\"lease\"}\n" + big + "\n").getBytes(StandardCharsets.UTF_8), true);
        RequestLines lines = daemonEnd();

        assertThat(lines.readLine()).isEqualTo("{\"op\":\"lease\"}");
        lines.limit(RequestLines.MESSAGE_LIMIT, "a line after the request");
        assertThat(lines.readLine()).hasSize(3 << 20);
    }

    @Test
    void aFrameMessageIsBoundedByThePoolsMaxAsBase64NotByTheSessionLimit() throws Exception {
        int limit = RequestLines.frameMessageLimit(1 << 20);
        assertThat(limit).isEqualTo(1_398_104 + RequestLines.ENVELOPE); // ceil(1 MiB / 3) * 4, plus the message around it
        byte[] twenty = new byte[20_000_000];
        Arrays.fill(twenty, (byte) 'A');
        Thread sender = send(twenty, true);
        RequestLines lines = daemonEnd();
        lines.limit(limit, "a frame message (max 1048576)");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long allocatedBefore = threads.getCurrentThreadAllocatedBytes();

        RequestLines.TooLong refused = catchThrowableOfType(RequestLines.TooLong.class, lines::readLine);
        long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
        assertThat(refused).hasMessageContaining("the limit for a frame message (max 1048576)");
        assertThat(consumed.get()).as("bytes read from the socket").isLessThanOrEqualTo(limit + 8192);
        // The line is held in chunks up to the limit: the limit rounded up to a chunk, the first chunk's
        // doubling (less than another) and small change. A doubling buffer allocated 3.5 MB here (its
        // last copy alone held 1 MiB beside the 1.4 MB array it grew into).
        assertThat(allocated).as("bytes the reader allocated to refuse the line").isLessThanOrEqualTo(limit + 3L * RequestLines.CHUNK);
        accepted.close();
        sender.join();
    }

    @Test
    void aLineOfExactlyTheLimitIsAccepted() throws Exception {
        String exact = "z".repeat(RequestLines.REQUEST_LIMIT);
        send((exact + "\n").getBytes(StandardCharsets.US_ASCII), true);

        assertThat(daemonEnd().readLine()).isEqualTo(exact);
    }
}
