package dev.pooly.pool;

import dev.pooly.pool.internal.frames.ContentLengthCodec;
import dev.pooly.pool.internal.frames.DelimitedCodec;
import dev.pooly.pool.internal.frames.JsonCodec;
import dev.pooly.pool.internal.frames.PacketCodec;
import dev.pooly.pool.internal.frames.UntilCodec;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Where a pool's requests and answers begin and end (contract section 5, "Framing"): one record per
 * kind, as Erlang's port options are values ({@code {packet, 4}}, {@code {line, L}}). Requests and
 * answers are framed the same way; {@code max} bounds a frame either way (default 16 MiB, at most
 * 1 GiB) and is checked as soon as a frame's length is known, so an oversized frame is refused before
 * it is read.
 *
 * <ul>
 * <li>{@link Line}: one request line, one answer line (the default; a trailing {@code \r} is dropped).
 * <li>{@link Until}: the request text (it may span lines) then a newline, then {@code after} and a
 *     newline if set; the answer is every line before the first line equal to {@code end}.
 * <li>{@link Json}: one JSON value per frame; compact on the way in (line breaks become spaces), any
 *     whitespace on the way out. Brackets, strings and escapes are checked, not the whole grammar.
 * <li>{@link Packet}: {@code size} (1, 2 or 4) bytes of big-endian length, then the payload.
 * <li>{@link ContentLength}: {@code Content-Length: N\r\n}, other header lines ignored, {@code \r\n},
 *     then N bytes (the LSP / JSON-RPC base protocol).
 * <li>{@link Nul}: the payload, then one NUL byte.
 * <li>{@link Custom}: a user's own {@link FrameCodec}.
 * </ul>
 * Immutable and thread-safe.
 */
public sealed interface Framing {
    /** 16 MiB: the default {@code max}. */
    long DEFAULT_MAX = 16L << 20;
    /** 1 GiB: the largest {@code max} allowed. */
    long MAX_MAX = 1L << 30;

    /** The config name of this kind: {@code line}, {@code until}, {@code json}, {@code packet}, {@code content_length}, {@code nul}. */
    String kind();

    /** The largest frame, either way, in bytes. */
    long max();

    /** How frames of this kind are written and read. */
    FrameCodec codec();

    /** The first 200 bytes of {@code bytes}, escaped ({@code \\n}, {@code \\0}, {@code \\xNN}), "..." if cut: how errors show a frame. */
    static String escape(byte[] bytes, int length) {
        return dev.pooly.pool.internal.frames.FrameBuffer.escape(bytes, 0, Math.min(length, bytes.length));
    }

    /** Today's behaviour: one line each way. */
    static Framing line() {
        return new Line(DEFAULT_MAX);
    }

    private static long checkMax(String kind, long max) {
        if (max <= 0 || max > MAX_MAX) {
            throw new IllegalArgumentException("framing " + kind + ": max must be between 1 byte and 1GiB, was " + max);
        }
        return max;
    }

    /** One request line, one answer line. Immutable. */
    record Line(long max) implements Framing {
        public Line { checkMax("line", max); }
        @Override public String kind() { return "line"; }
        @Override public FrameCodec codec() { return DelimitedCodec.line(max); }
    }

    /**
     * The request text, then {@code after} if set; the answer ends at the line {@code end}. Immutable.
     *
     * @param after null for none
     */
    record Until(String end, String after, long max) implements Framing {
        public Until {
            checkMax("until", max);
            if (end == null || end.isEmpty() || end.contains("\n") || end.contains("\r")) {
                throw new IllegalArgumentException("framing until: end must be one non-empty line, was " + (end == null ? "missing" : "'" + end + "'"));
            }
            if (after != null && (after.contains("\n") || after.contains("\r"))) {
                throw new IllegalArgumentException("framing until: after must be one line, was '" + after + "'");
            }
        }
        public Until(String end) { this(end, null, DEFAULT_MAX); }
        @Override public String kind() { return "until"; }
        @Override public FrameCodec codec() { return new UntilCodec(end.getBytes(StandardCharsets.UTF_8), after, max); }
    }

    /** One JSON value per frame. Immutable. */
    record Json(long max) implements Framing {
        public Json { checkMax("json", max); }
        public Json() { this(DEFAULT_MAX); }
        @Override public String kind() { return "json"; }
        @Override public FrameCodec codec() { return new JsonCodec(max); }
    }

    /** A big-endian length of {@code size} bytes, then the payload. Immutable. */
    record Packet(int size, long max) implements Framing {
        public Packet {
            if (size != 1 && size != 2 && size != 4) {
                throw new IllegalArgumentException("framing packet: size must be 1, 2 or 4, was " + size);
            }
            checkMax("packet", max);
        }
        public Packet(int size) { this(size, DEFAULT_MAX); }
        @Override public String kind() { return "packet"; }
        @Override public FrameCodec codec() { return new PacketCodec(size, max); }
    }

    /** {@code Content-Length} headers, then the payload. Immutable. */
    record ContentLength(long max) implements Framing {
        public ContentLength { checkMax("content_length", max); }
        public ContentLength() { this(DEFAULT_MAX); }
        @Override public String kind() { return "content_length"; }
        @Override public FrameCodec codec() { return new ContentLengthCodec(max); }
    }

    /** The payload, then one NUL byte. Immutable. */
    record Nul(long max) implements Framing {
        public Nul { checkMax("nul", max); }
        public Nul() { this(DEFAULT_MAX); }
        @Override public String kind() { return "nul"; }
        @Override public FrameCodec codec() { return DelimitedCodec.nul(max); }
    }

    /**
     * A user's own codec; {@code name} is for messages and status. The codec must enforce {@code max} itself.
     * Immutable as a record; the codec is shared by every lease of the pool and must be immutable too.
     */
    record Custom(String name, long max, FrameCodec codec) implements Framing {
        public Custom {
            if (name == null || name.isBlank()) throw new IllegalArgumentException("a custom framing needs a name");
            checkMax(name, max);
            Objects.requireNonNull(codec, "codec");
        }
        @Override public String kind() { return name; }
    }
}
