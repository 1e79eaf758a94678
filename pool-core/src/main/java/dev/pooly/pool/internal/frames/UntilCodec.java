package dev.pooly.pool.internal.frames;

import dev.pooly.pool.FrameCodec;
import dev.pooly.pool.FrameDecoder;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * {@code until}: the request text, a newline, then {@code after} and a newline if set (a REPL is asked
 * to print the end line); the answer is every line before the first line equal to {@code end}, joined
 * by newlines, the end line consumed. Immutable.
 */
public final class UntilCodec implements FrameCodec {
    private final byte[] end;
    private final byte[] after;
    private final long max;

    public UntilCodec(byte[] end, String after, long max) {
        this.end = end;
        this.after = after == null ? null : (after + "\n").getBytes(StandardCharsets.UTF_8);
        this.max = max;
    }

    @Override public void check(byte[] payload) {
        if (payload.length > max) throw FrameBuffer.refused("until", payload.length + " bytes is over max " + max, payload);
    }

    @Override public void encode(byte[] payload, OutputStream out) throws IOException {
        out.write(payload);
        out.write('\n');
        if (after != null) out.write(after);
    }

    @Override public FrameDecoder decoder() {
        return new FrameDecoder() {
            private final FrameBuffer frame = new FrameBuffer();
            private int lineStart;

            @Override public byte[] decode(ByteBuffer in) {
                while (in.hasRemaining()) {
                    int start = in.position();
                    int limit = in.limit();
                    int nl = -1;
                    for (int i = start; i < limit; i++) {
                        if (in.get(i) == '\n') {
                            nl = i;
                            break;
                        }
                    }
                    int n = (nl < 0 ? limit : nl + 1) - start;
                    if (frame.size() + (long) n > max + end.length + 2) {
                        int room = Math.max(0, Math.min(n, FrameBuffer.SHOWN - frame.size()));
                        if (room > 0) frame.append(in, room);
                        throw frame.error("until", "no end line '" + new String(end, StandardCharsets.UTF_8) + "' within max " + max + " bytes", max);
                    }
                    frame.append(in, n);
                    if (nl < 0) return null;
                    int lineEnd = frame.size() - 1; // the newline
                    if (lineEnd > lineStart && frame.get(lineEnd - 1) == '\r') lineEnd--;
                    if (isEnd(lineStart, lineEnd)) {
                        int to = lineStart == 0 ? 0 : lineStart - 1;
                        if (to > 0 && frame.get(to - 1) == '\r') to--;
                        return frame.copy(0, to);
                    }
                    lineStart = frame.size();
                }
                return null;
            }

            private boolean isEnd(int from, int to) {
                if (to - from != end.length) return false;
                for (int i = 0; i < end.length; i++) if (frame.get(from + i) != end[i]) return false;
                return true;
            }

            @Override public long pending() { return frame.size(); }

            @Override public String firstBytes() { return frame.shown(); }
        };
    }
}
