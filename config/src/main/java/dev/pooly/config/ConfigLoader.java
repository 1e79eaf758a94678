package dev.pooly.config;

import dev.pooly.config.internal.ConfigReader;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Reads a {@code pooly.yaml} into a {@link PoolyConfig}, or reports every problem in it at once
 * with its line and column. Stateless and thread-safe.
 */
public final class ConfigLoader {

    private ConfigLoader() {}

    /**
     * Loads a config file.
     *
     * @param file as the user named it; problems quote it as given, relative paths inside are
     *             resolved against its directory
     * @throws ConfigException when the file is not a valid config, with all its problems
     * @throws IOException     when the file cannot be read at all
     */
    public static PoolyConfig load(Path file) throws IOException, ConfigException {
        return ConfigReader.read(utf8(Files.readAllBytes(file), file), file);
    }

    /**
     * Loads config text as if it had been read from {@code fileName}, which names the file in
     * problems and is the base of relative paths; for tests and tools that hold the text already.
     */
    public static PoolyConfig load(String yaml, String fileName) throws ConfigException {
        Objects.requireNonNull(yaml, "yaml");
        return ConfigReader.read(yaml, Path.of(fileName));
    }

    /** The JSON Schema (draft 2020-12) of the config file, for editors and {@code pooly} tooling. */
    public static String jsonSchema() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream("pooly.schema.json")) {
            if (in == null) throw new IllegalStateException("pooly.schema.json is missing from the config jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Decodes strictly, so that a stray Latin-1 byte is reported where it is rather than read as '?'. */
    private static String utf8(byte[] bytes, Path file) throws ConfigException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            int bad = in.position();
            int lineStart = 0;
            int line = 1;
            for (int i = 0; i < bad; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            int column = new String(bytes, lineStart, bad - lineStart, StandardCharsets.UTF_8).length() + 1;
            throw ConfigReader.unreadable(file, new Location(line, column), "not UTF-8 text: byte 0x"
                    + Integer.toHexString(bytes[bad] & 0xff) + " cannot start a character here");
        }
        decoder.flush(out);
        return out.flip().toString();
    }
}
