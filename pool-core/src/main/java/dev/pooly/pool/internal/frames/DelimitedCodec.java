package dev.pooly.pool.internal.frames;

import dev.pooly.pool.FrameCodec;
import dev.pooly.pool.FrameDecoder;
import dev.pooly.pool.FrameException;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/** Frames ended by one byte: {@code line} (a newline; a trailing \r dropped, no line break inside) and {@code nul}. Immutable. */
public final class DelimitedCodec implements FrameCodec {
    private final String kind;
    private final byte end;
    private final long max;

    private DelimitedCodec(String kind, byte end, long max) {
        this.kind = kind;
        this.end = end;
        this.max = max;
    }

    public static DelimitedCodec line(long max) { return new DelimitedCodec("line", (byte) '\n', max); }

    public static DelimitedCodec nul(long max) { return new DelimitedCodec("nul", (byte) 0, max); }

    private boolean line() { return end == '\n'; }

    @Override public void check(byte[] payload) {
        if (payload.length > max) throw FrameBuffer.refused(kind, payload.length + " bytes is over max " + max, payload);
        for (int i = 0; i < payload.length; i++) {
            byte b = payload[i];
            if (b == end || (line() && b == '\r')) {
                throw FrameBuffer.refused(kind, (line() ? "a line break" : "a NUL byte") + " at byte " + i + " (a request is one frame)", payload);
            }
        }
    }

    @Override public void encode(byte[] payload, OutputStream out) throws IOException {
        out.write(payload);
        out.write(end);
    }

    @Override public FrameDecoder decoder() {
        return new FrameDecoder() {
            private final FrameBuffer frame = new FrameBuffer();

            @Override public byte[] decode(ByteBuffer in) {
                int start = in.position();
                int limit = in.limit();
                for (int i = start; i < limit; i++) {
                    if (in.get(i) == end) {
                        grow(in, i - start);
                        in.get(); // the delimiter
                        int n = frame.size();
                        if (line() && n > 0 && frame.get(n - 1) == '\r') n--;
                        return frame.copy(0, n);
                    }
                }
                grow(in, limit - start);
                return null;
            }

            private void grow(ByteBuffer in, int n) {
                // The limit before the copy: an endless line is refused at max, not after it was buffered.
                if (frame.size() + (long) n > max + (line() ? 1 : 0)) {
                    int room = (int) Math.max(0, Math.min(n, FrameBuffer.SHOWN - frame.size()));
                    if (room > 0) frame.append(in, room);
                    throw frame.error(kind, "longer than max " + max + " bytes without " + (line() ? "a newline" : "a NUL"), max);
                }
                frame.append(in, n);
            }

            @Override public long pending() { return frame.size(); }

            @Override public String firstBytes() { return frame.shown(); }
        };
    }
}
