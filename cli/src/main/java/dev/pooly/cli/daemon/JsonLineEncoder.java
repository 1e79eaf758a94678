package dev.pooly.cli.daemon;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.slf4j.event.KeyValuePair;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code log.format: json}: one JSON object per line, {@code {"time":"2026-12-07T06:20:51.123Z",
 * "level":"info","logger":"pooly.lease","message":"...","pool":"a","pid":4242}}. After the four fixed
 * fields come the event's SLF4J key-value pairs (the log sites that have a pool, worker, pid or node
 * add them), then its MDC, then {@code exception} with the stack trace. A key appears once: the first
 * value wins. Numbers stay numbers. Thread-safe: no state but the shared, thread-safe factory.
 */
public final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {
    private static final JsonFactory JSON = new JsonFactory();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);
    private static final Set<String> FIXED = Set.of("time", "level", "logger", "message", "exception");

    @Override public byte[] headerBytes() { return null; }

    @Override public byte[] footerBytes() { return null; }

    @Override public byte[] encode(ILoggingEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("time", TIME.format(Instant.ofEpochMilli(event.getTimeStamp())));
            json.writeStringField("level", event.getLevel().toString().toLowerCase(Locale.ROOT));
            json.writeStringField("logger", event.getLoggerName());
            json.writeStringField("message", event.getFormattedMessage());
            Set<String> written = new HashSet<>(FIXED);
            List<KeyValuePair> pairs = event.getKeyValuePairs();
            if (pairs != null) {
                for (KeyValuePair pair : pairs) {
                    if (pair.key != null && written.add(pair.key)) field(json, pair.key, pair.value);
                }
            }
            Map<String, String> mdc = event.getMDCPropertyMap();
            if (mdc != null) {
                for (Map.Entry<String, String> e : mdc.entrySet()) {
                    if (written.add(e.getKey())) json.writeStringField(e.getKey(), e.getValue());
                }
            }
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) json.writeStringField("exception", ThrowableProxyUtil.asString(thrown));
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        out.write('\n');
        return out.toByteArray();
    }

    private static void field(JsonGenerator json, String key, Object value) throws IOException {
        switch (value) {
            case null -> json.writeNullField(key);
            case Integer i -> json.writeNumberField(key, i);
            case Long l -> json.writeNumberField(key, l);
            case Boolean b -> json.writeBooleanField(key, b);
            default -> json.writeStringField(key, String.valueOf(value));
        }
    }
}
