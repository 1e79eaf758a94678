package dev.pooly.pool.internal.frames;

import dev.pooly.pool.FrameCodec;
import dev.pooly.pool.FrameDecoder;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The LSP / JSON-RPC base protocol: header lines ({@code Content-Length: N} required, others ignored),
 * a blank line, then N bytes. Lines end with {@code \r\n} (a bare {@code \n} is accepted on the way
 * in). The header block is at most {@value #HEADER_MAX} bytes. Immutable.
 */
public final class ContentLengthCodec implements FrameCodec {
    static final int HEADER_MAX = 8192;
    private final long max;

    public ContentLengthCodec(long max) {
        this.max = max;
    }

    @Override public void check(byte[] payload) {
        if (payload.length > max) throw FrameBuffer.refused("content_length", payload.length + " bytes is over max " + max, payload);
    }

    @Override public void encode(byte[] payload, OutputStream out) throws IOException {
        out.write(("Content-Length: " + payload.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(payload);
    }

    @Override public FrameDecoder decoder() {
        return new FrameDecoder() {
            private final FrameBuffer header = new FrameBuffer();
            private int lineStart;
            private long length = -1;
            private byte[] body;
            private int filled;

            @Override public byte[] decode(ByteBuffer in) {
                while (body == null && in.hasRemaining()) {
                    byte b = in.get();
                    header.append(b);
                    if (header.size() > HEADER_MAX) throw header.error("content_length", "no blank line within " + HEADER_MAX + " bytes of headers", HEADER_MAX);
                    if (b != '\n') continue;
                    int lineEnd = header.size() - 1;
                    if (lineEnd > lineStart && header.get(lineEnd - 1) == '\r') lineEnd--;
                    if (lineEnd == lineStart) {
                        if (length < 0) throw header.error("content_length", "headers without Content-Length", lineStart);
                        body = new byte[(int) length];
                    } else {
                        headerLine(new String(header.copy(lineStart, lineEnd), StandardCharsets.US_ASCII), lineStart);
                        lineStart = header.size();
                    }
                }
                if (body == null) return null;
                int n = Math.min(in.remaining(), body.length - filled);
                in.get(body, filled, n);
                filled += n;
                return filled == body.length ? body : null;
            }

            private void headerLine(String line, int at) {
                int colon = line.indexOf(':');
                if (colon <= 0) throw header.error("content_length", "a header line without ':'", at);
                if (!line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) return;
                String value = line.substring(colon + 1).trim();
                long n;
                try {
                    n = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw header.error("content_length", "Content-Length '" + value + "' is not a number", at);
                }
                if (n < 0) throw header.error("content_length", "Content-Length " + n + " is negative", at);
                // Refuse on the header alone, before a byte of the body is read.
                if (n > max) throw header.error("content_length", "Content-Length " + n + " is over max " + max, at);
                length = n;
            }

            @Override public ByteBuffer unfilled() {
                return body == null ? null : ByteBuffer.wrap(body, filled, body.length - filled);
            }

            @Override public byte[] filled(int n) {
                filled += n;
                return filled == body.length ? body : null;
            }

            @Override public long pending() { return header.size() + filled; }

            @Override public String firstBytes() { return header.shown(); }
        };
    }
}
