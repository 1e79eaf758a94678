package dev.pooly.cli.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The control protocol's JSON lines (docs/protocol.md) as plain Java values: an object is a
 * {@code Map<String, Object>} in field order, an array a {@code List<Object>}, numbers {@code Long}
 * (or {@code Double}, {@code BigInteger}), strings, booleans and {@code null}.
 *
 * <p>Why not Jackson databind, which the daemon uses: the client's messages are a handful of flat
 * objects, and databind costs a short-lived {@code pooly} process about 400 classes and a large share of its
 * start-up time. jackson-core's streaming parser and generator, already on the class path for the
 * YAML config, do the same work correctly (escapes, surrogates, numbers) for a fraction of that.
 *
 * <p>Thread-safety: stateless, every method may be called from any thread. The shared
 * {@link JsonFactory} is thread-safe once configured.
 */
public final class Messages {
    private static final JsonFactory FACTORY = new JsonFactory();

    private Messages() {}

    /** A message from alternating field names and values, in that order: {@code of("op", "kill", "id", id)}. */
    public static Map<String, Object> of(Object... namesAndValues) {
        if (namesAndValues.length % 2 != 0) throw new IllegalArgumentException("names and values must alternate");
        Map<String, Object> message = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) message.put((String) namesAndValues[i], namesAndValues[i + 1]);
        return message;
    }

    /**
     * A generator for a stream of messages, one per line ({@link #writeLine}). Not thread-safe; closing
     * it closes {@code out}.
     */
    static JsonGenerator lines(java.io.OutputStream out) throws IOException {
        JsonGenerator generator = FACTORY.createGenerator(out);
        generator.setRootValueSeparator(null); // the line break after each message separates them
        return generator;
    }

    /** Writes {@code message} and its line break to a generator from {@link #lines}, without flushing. */
    static void writeLine(JsonGenerator out, Map<String, ?> message) throws IOException {
        write(out, message);
        out.writeRaw('\n');
    }

    /** One JSON line, UTF-8, without its line break. */
    public static byte[] encode(Map<String, ?> message) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (JsonGenerator out = FACTORY.createGenerator(bytes)) {
            write(out, message);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    /** The value as indented JSON, laid out as Jackson's default pretty printer does. */
    public static String pretty(Object value) {
        StringWriter text = new StringWriter();
        try (JsonGenerator out = FACTORY.createGenerator(text)) {
            out.setPrettyPrinter(new DefaultPrettyPrinter());
            write(out, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }

    /**
     * Parses one line that holds one JSON object.
     *
     * @throws IllegalArgumentException naming what is wrong, when it is not exactly one JSON object
     */
    public static Map<String, Object> decode(String line) {
        try (JsonParser in = FACTORY.createParser(line)) {
            if (in.nextToken() != JsonToken.START_OBJECT) throw new IllegalArgumentException("not a JSON object: " + line);
            @SuppressWarnings("unchecked")
            Map<String, Object> message = (Map<String, Object>) read(in);
            if (in.nextToken() != null) throw new IllegalArgumentException("more than one JSON value on the line: " + line);
            return message;
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), e);
        }
    }

    /** The string field {@code name} of {@code message}, or {@code fallback} when it is absent or not a string. */
    public static String text(Map<String, ?> message, String name, String fallback) {
        return message.get(name) instanceof String s ? s : fallback;
    }

    /** The integral field {@code name}, or {@code fallback} when it is absent or not a number. */
    public static long number(Map<String, ?> message, String name, long fallback) {
        return message.get(name) instanceof Number n ? n.longValue() : fallback;
    }

    /** The object field {@code name}, or an empty map. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Map<String, ?> message, String name) {
        return message.get(name) instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    /** The array field {@code name} as objects, or an empty list. */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> objects(Map<String, ?> message, String name) {
        return message.get(name) instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
    }

    /** Reads the value whose first token the parser is on. */
    private static Object read(JsonParser in) throws IOException {
        switch (in.currentToken()) {
            case START_OBJECT -> {
                Map<String, Object> object = new LinkedHashMap<>();
                while (in.nextToken() == JsonToken.FIELD_NAME) {
                    String name = in.currentName();
                    in.nextToken();
                    object.put(name, read(in));
                }
                return object;
            }
            case START_ARRAY -> {
                List<Object> array = new ArrayList<>();
                while (in.nextToken() != JsonToken.END_ARRAY) array.add(read(in));
                return array;
            }
            case VALUE_STRING -> { return in.getText(); }
            case VALUE_NUMBER_INT -> {
                return in.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? in.getBigIntegerValue() : (Object) in.getLongValue();
            }
            case VALUE_NUMBER_FLOAT -> { return in.getDoubleValue(); }
            case VALUE_TRUE -> { return Boolean.TRUE; }
            case VALUE_FALSE -> { return Boolean.FALSE; }
            case VALUE_NULL -> { return null; }
            default -> throw new IllegalArgumentException("unexpected JSON token " + in.currentToken());
        }
    }

    private static void write(JsonGenerator out, Object value) throws IOException {
        switch (value) {
            case null -> out.writeNull();
            case Map<?, ?> map -> {
                out.writeStartObject();
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    out.writeFieldName((String) e.getKey());
                    write(out, e.getValue());
                }
                out.writeEndObject();
            }
            case List<?> list -> {
                out.writeStartArray();
                for (Object item : list) write(out, item);
                out.writeEndArray();
            }
            case String s -> out.writeString(s);
            case Boolean b -> out.writeBoolean(b);
            case Long l -> out.writeNumber(l);
            case Integer i -> out.writeNumber(i);
            case Double d -> out.writeNumber(d);
            case java.math.BigInteger b -> out.writeNumber(b);
            default -> throw new IllegalArgumentException("no JSON form for " + value.getClass().getName());
        }
    }
}
