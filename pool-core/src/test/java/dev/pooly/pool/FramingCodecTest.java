package dev.pooly.pool;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The built-in codecs: round trips split at every byte boundary, limits checked before a frame is read, errors showing the first bytes. */
class FramingCodecTest {

    private static byte[] bytes(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    private static byte[] encode(Framing f, byte[] payload) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        f.codec().check(payload);
        f.codec().encode(payload, out);
        return out.toByteArray();
    }

    /** Decodes every frame of {@code wire}, fed in pieces cut at {@code cuts}. */
    private static List<byte[]> decodeAll(Framing f, byte[] wire, int... cuts) {
        List<byte[]> frames = new ArrayList<>();
        FrameDecoder d = f.codec().decoder();
        int from = 0;
        List<Integer> ends = new ArrayList<>();
        for (int c : cuts) if (c > 0 && c < wire.length) ends.add(c);
        ends.add(wire.length);
        ends.sort(null);
        for (int to : ends) {
            ByteBuffer in = ByteBuffer.wrap(wire, from, to - from);
            while (in.hasRemaining()) {
                byte[] frame = d.decode(in);
                if (frame != null) {
                    frames.add(frame);
                    d = f.codec().decoder();
                }
            }
            from = to;
        }
        return frames;
    }

    @Provide
    Arbitrary<Framing> binarySafe() {
        return Arbitraries.of(new Framing.Packet(1, 255), new Framing.Packet(2), new Framing.Packet(4), new Framing.ContentLength());
    }

    @Property(tries = 300)
    void binaryFramesRoundTripSplitAnywhere(@ForAll("binarySafe") Framing f, @ForAll @Size(max = 3) List<@Size(max = 255) byte[]> payloads,
                                            @ForAll @IntRange(min = 0, max = 2000) int cut) throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (byte[] p : payloads) wire.write(encode(f, p));
        byte[] w = wire.toByteArray();
        for (int at = 0; at <= w.length; at++) {
            List<byte[]> frames = decodeAll(f, w, at, cut);
            assertThat(frames).hasSize(payloads.size());
            for (int i = 0; i < frames.size(); i++) assertThat(frames.get(i)).isEqualTo(payloads.get(i));
        }
    }

    @Property(tries = 200)
    void textFramesRoundTripSplitAnywhere(@ForAll @Size(max = 4) List<@net.jqwik.api.constraints.StringLength(max = 40) @net.jqwik.api.constraints.Chars({'a', 'z', ' ', 'é', '€', '0'}) String> texts) throws IOException {
        for (Framing f : List.of(Framing.line(), new Framing.Nul(), new Framing.Until("END"))) {
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            for (String t : texts) {
                wire.write(bytes(t));
                wire.write(f instanceof Framing.Nul ? new byte[] {0} : f instanceof Framing.Until ? bytes("\nEND\n") : bytes("\n"));
            }
            byte[] w = wire.toByteArray();
            for (int at = 0; at <= w.length; at++) {
                List<byte[]> frames = decodeAll(f, w, at);
                assertThat(frames).extracting(b -> new String(b, StandardCharsets.UTF_8)).containsExactlyElementsOf(texts);
            }
        }
    }

    @Property(tries = 100)
    void oversizedPacketsAreRefusedOnTheirLengthAlone(@ForAll @IntRange(min = 11, max = 1_000_000) int length) {
        Framing f = new Framing.Packet(4, 10);
        byte[] header = ByteBuffer.allocate(4).putInt(length).array();
        FrameDecoder d = f.codec().decoder();
        assertThatThrownBy(() -> d.decode(ByteBuffer.wrap(header))) // no body byte needed: failFast
                .isInstanceOf(FrameException.class).hasMessageContaining("length " + length + " is over max 10");
    }

    @Test
    void untilAnswersAreEveryLineBeforeTheEndLine() {
        Framing f = new Framing.Until("-- end --");
        assertThat(decodeAll(f, bytes("1|a\n2|b\r\n3|c\n-- end --\n")))
                .extracting(b -> new String(b, StandardCharsets.UTF_8)).containsExactly("1|a\n2|b\r\n3|c");
        assertThat(decodeAll(f, bytes("-- end --\n"))).extracting(b -> b.length).containsExactly(0);
    }

    @Test
    void untilWritesTheAfterLine() throws IOException {
        Framing f = new Framing.Until("-- end --", ".print '-- end --'", Framing.DEFAULT_MAX);
        assertThat(new String(encode(f, bytes("select 1;\nselect 2;")), StandardCharsets.UTF_8))
                .isEqualTo("select 1;\nselect 2;\n.print '-- end --'\n");
    }

    @Test
    void jsonFramesHoldAnyWhitespaceAndSkipItBetweenValues() {
        Framing f = new Framing.Json();
        byte[] wire = bytes("{\n  \"a\": [1, {\"b\": \"}\\\"]\"}],\n  \"c\": null\n}\n\"str\\\"ing\"\n42\n[]\n");
        for (int at = 0; at <= wire.length; at++) {
            assertThat(decodeAll(f, wire, at)).extracting(b -> new String(b, StandardCharsets.UTF_8))
                    .containsExactly("{\n  \"a\": [1, {\"b\": \"}\\\"]\"}],\n  \"c\": null\n}", "\"str\\\"ing\"", "42", "[]");
        }
    }

    @Test
    void jsonRequestsAreOneValueWrittenOnOneLine() throws IOException {
        Framing f = new Framing.Json();
        assertThat(new String(encode(f, bytes("{\n\"a\":\r\n1}")), StandardCharsets.UTF_8)).isEqualTo("{ \"a\":  1}\n");
        assertThatThrownBy(() -> f.codec().check(bytes("{} {}"))).isInstanceOf(FrameException.class).hasMessageContaining("more than one JSON value");
        assertThatThrownBy(() -> f.codec().check(bytes("{\"a\":"))).isInstanceOf(FrameException.class).hasMessageContaining("unfinished");
        assertThatThrownBy(() -> f.codec().check(bytes("[}"))).isInstanceOf(FrameException.class).hasMessageContaining("'}' closes '['");
    }

    @Test
    void contentLengthCountsBytesAndIgnoresOtherHeaders() throws IOException {
        Framing f = new Framing.ContentLength();
        String text = "{\"text\":\"grüße €\"}";
        assertThat(new String(encode(f, bytes(text)), StandardCharsets.UTF_8)).startsWith("Content-Length: " + bytes(text).length + "\r\n\r\n");
        byte[] wire = bytes("Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length: " + bytes(text).length + "\r\n\r\n" + text);
        assertThat(decodeAll(f, wire)).extracting(b -> new String(b, StandardCharsets.UTF_8)).containsExactly(text);
        assertThatThrownBy(() -> decodeAll(f, bytes("Content-Type: x\r\n\r\n{}")))
                .isInstanceOf(FrameException.class).hasMessageContaining("headers without Content-Length").hasMessageContaining("Content-Type: x\\r\\n\\r\\n");
        assertThatThrownBy(() -> decodeAll(new Framing.ContentLength(100), bytes("Content-Length: 101\r\n")))
                .isInstanceOf(FrameException.class).hasMessageContaining("Content-Length 101 is over max 100");
    }

    @Test
    void requestsThatCannotBeFramedAreRefusedWithTheirFirstBytes() {
        assertThatThrownBy(() -> Framing.line().codec().check(bytes("a\nb"))).isInstanceOf(FrameException.class)
                .hasMessageContaining("a line break at byte 1").hasMessageContaining("a\\nb");
        assertThatThrownBy(() -> new Framing.Nul().codec().check(new byte[] {'x', 0, 'y'})).isInstanceOf(FrameException.class)
                .hasMessageContaining("a NUL byte at byte 1").hasMessageContaining("x\\0y");
        assertThatThrownBy(() -> new Framing.Packet(1).codec().check(new byte[256])).isInstanceOf(FrameException.class)
                .hasMessageContaining("over the 1-byte length's 255");
        assertThatThrownBy(() -> new Framing.Packet(4, 5).codec().check(new byte[6])).isInstanceOf(FrameException.class)
                .hasMessageContaining("6 bytes is over max 5");
    }

    @Test
    void anEndlessLineIsRefusedAtMaxShowingAtMost200Bytes() {
        Framing f = new Framing.Line(1000);
        FrameDecoder d = f.codec().decoder();
        byte[] chunk = new byte[600];
        java.util.Arrays.fill(chunk, (byte) 'x');
        assertThat(d.decode(ByteBuffer.wrap(chunk))).isNull();
        assertThatThrownBy(() -> d.decode(ByteBuffer.wrap(chunk)))
                .isInstanceOf(FrameException.class)
                .hasMessageContaining("longer than max 1000 bytes")
                .hasMessageContaining("\"" + "x".repeat(200) + "...\"");
    }

    @Test
    void aDecoderNeverConsumesPastItsFrame() {
        FrameDecoder d = new Framing.Packet(2).codec().decoder();
        ByteBuffer in = ByteBuffer.wrap(new byte[] {0, 2, 'h', 'i', 0, 1, '!'});
        assertThat(d.decode(in)).isEqualTo(bytes("hi"));
        assertThat(in.position()).isEqualTo(4);
    }

    @Test
    void badSettingsAreRefusedNamingTheAllowedValues() {
        assertThatThrownBy(() -> new Framing.Packet(3)).hasMessageContaining("size must be 1, 2 or 4, was 3");
        assertThatThrownBy(() -> new Framing.Line(0)).hasMessageContaining("max must be between 1 byte and 1GiB");
        assertThatThrownBy(() -> new Framing.Json((1L << 30) + 1)).hasMessageContaining("1GiB");
        assertThatThrownBy(() -> new Framing.Until("")).hasMessageContaining("end must be one non-empty line");
    }
}
