package dev.pooly.pool.internal.frames;

import dev.pooly.pool.FrameCodec;
import dev.pooly.pool.FrameDecoder;
import dev.pooly.pool.FrameException;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * One JSON value per frame. On the way in the request must be exactly one value; its line breaks
 * (whitespace outside strings, since JSON strings cannot hold raw ones) become spaces and a newline
 * follows, so line-reading workers ({@code jq}) see one line. On the way out any whitespace, line
 * breaks included, may stand inside and between values. The decoder checks brackets, strings and
 * escapes, not the whole grammar (a worker's malformed number passes through). Nesting is limited to
 * {@value #DEPTH}. Immutable.
 */
public final class JsonCodec implements FrameCodec {
    static final int DEPTH = 512;
    private final long max;

    public JsonCodec(long max) {
        this.max = max;
    }

    private static boolean space(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }

    @Override public boolean isFiller(byte b) {
        return space(b);
    }

    @Override public void check(byte[] payload) {
        if (payload.length > max) throw FrameBuffer.refused("json", payload.length + " bytes is over max " + max, payload);
        ByteBuffer in = ByteBuffer.wrap(payload);
        FrameDecoder d = decoder();
        byte[] value;
        try {
            value = d.decode(in);
            if (value == null) value = d.decode(ByteBuffer.wrap(new byte[] {'\n'})); // a bare scalar ends here
        } catch (FrameException e) {
            throw new FrameException("cannot frame the request as json: " + e.getMessage());
        }
        if (value == null) throw FrameBuffer.refused("json", d.pending() == 0 ? "no JSON value" : "an unfinished JSON value", payload);
        while (in.hasRemaining()) {
            if (!space(in.get())) throw FrameBuffer.refused("json", "more than one JSON value (byte " + (in.position() - 1) + ")", payload);
        }
    }

    @Override public void encode(byte[] payload, OutputStream out) throws IOException {
        int from = 0;
        for (int i = 0; i < payload.length; i++) {
            if (payload[i] == '\n' || payload[i] == '\r') {
                out.write(payload, from, i - from);
                out.write(' ');
                from = i + 1;
            }
        }
        out.write(payload, from, payload.length - from);
        out.write('\n');
    }

    @Override public FrameDecoder decoder() {
        return new FrameDecoder() {
            private final FrameBuffer frame = new FrameBuffer();
            private final byte[] open = new byte[DEPTH];
            private int depth;
            private boolean started;
            private boolean scalar;
            private boolean inString;
            private boolean escaped;

            @Override public byte[] decode(ByteBuffer in) {
                while (in.hasRemaining()) {
                    byte b = in.get(in.position());
                    if (!started) {
                        in.get();
                        if (space(b)) continue; // between values
                        started = true;
                        if (b == '"') inString = true;
                        else if (b == '{' || b == '[') open[depth++] = b;
                        else if (b == '-' || (b >= '0' && b <= '9') || b == 't' || b == 'f' || b == 'n') scalar = true;
                        else {
                            frame.append(b);
                            throw frame.error("json", "'" + (char) (b & 0xff) + "' cannot start a JSON value", 0);
                        }
                        add(b);
                        continue;
                    }
                    if (scalar) {
                        if (space(b) || b == ',' || b == ']' || b == '}' || b == '{' || b == '[' || b == '"') return frame.copy(0, frame.size());
                        in.get();
                        add(b);
                        continue;
                    }
                    in.get();
                    add(b);
                    if (inString) {
                        if (escaped) escaped = false;
                        else if (b == '\\') escaped = true;
                        else if (b == '"') {
                            inString = false;
                            if (depth == 0) return frame.copy(0, frame.size());
                        } else if (b == '\n' || b == '\r') throw frame.error("json", "a raw line break inside a string", frame.size() - 1);
                        continue;
                    }
                    switch (b) {
                        case '"' -> inString = true;
                        case '{', '[' -> {
                            if (depth == DEPTH) throw frame.error("json", "nested deeper than " + DEPTH, frame.size() - 1);
                            open[depth++] = b;
                        }
                        case '}', ']' -> {
                            byte want = b == '}' ? (byte) '{' : (byte) '[';
                            if (open[--depth] != want) throw frame.error("json", "'" + (char) b + "' closes '" + (char) open[depth] + "'", frame.size() - 1);
                            if (depth == 0) return frame.copy(0, frame.size());
                        }
                        default -> { }
                    }
                }
                return null;
            }

            private void add(byte b) {
                if (frame.size() >= max) throw frame.error("json", "a JSON value longer than max " + max + " bytes", max);
                frame.append(b);
            }

            @Override public long pending() { return frame.size(); }

            @Override public String firstBytes() { return frame.shown(); }
        };
    }
}
