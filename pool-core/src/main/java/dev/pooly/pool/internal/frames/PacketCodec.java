package dev.pooly.pool.internal.frames;

import dev.pooly.pool.FrameCodec;
import dev.pooly.pool.FrameDecoder;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/** Erlang's {@code {packet, N}}: N (1, 2, 4) bytes of big-endian length, then the payload. Immutable. */
public final class PacketCodec implements FrameCodec {
    private final int size;
    private final long max;

    public PacketCodec(int size, long max) {
        this.size = size;
        this.max = max;
    }

    private long limit() {
        return Math.min(max, size == 4 ? 0xffffffffL : (1L << (8 * size)) - 1);
    }

    @Override public void check(byte[] payload) {
        if (payload.length > limit()) {
            throw FrameBuffer.refused("packet " + size, payload.length + " bytes is over " + (limit() == max ? "max " + max : "the " + size + "-byte length's " + limit()), payload);
        }
    }

    @Override public void encode(byte[] payload, OutputStream out) throws IOException {
        int n = payload.length;
        for (int i = size - 1; i >= 0; i--) out.write((n >>> (8 * i)) & 0xff);
        out.write(payload);
    }

    @Override public FrameDecoder decoder() {
        return new FrameDecoder() {
            private final FrameBuffer header = new FrameBuffer();
            private byte[] body;
            private int filled;

            @Override public byte[] decode(ByteBuffer in) {
                while (body == null && in.hasRemaining()) {
                    header.append(in.get());
                    if (header.size() == size) {
                        long n = 0;
                        for (int i = 0; i < size; i++) n = (n << 8) | (header.get(i) & 0xff);
                        // Netty's failFast: refuse on the length alone, before a byte of the body is read.
                        if (n > max) throw header.error("packet " + size, "length " + n + " is over max " + max, 0);
                        body = new byte[(int) n];
                    }
                }
                if (body == null) return null;
                int n = Math.min(in.remaining(), body.length - filled);
                in.get(body, filled, n);
                filled += n;
                return filled == body.length ? body : null;
            }

            @Override public ByteBuffer unfilled() {
                return body == null ? null : ByteBuffer.wrap(body, filled, body.length - filled);
            }

            @Override public byte[] filled(int n) {
                filled += n;
                return filled == body.length ? body : null;
            }

            @Override public long pending() { return header.size() + filled; }

            @Override public String firstBytes() {
                if (body == null) return header.shown();
                byte[] shown = new byte[size + Math.min(filled, FrameBuffer.SHOWN)];
                for (int i = 0; i < size; i++) shown[i] = header.get(i);
                System.arraycopy(body, 0, shown, size, shown.length - size);
                return FrameBuffer.escape(shown, 0, shown.length);
            }
        };
    }
}
