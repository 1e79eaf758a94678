package dev.pooly.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * What systemd's side of sd_notify would see: a real AF_UNIX datagram socket, bound and read by
 * {@code python3} (the JDK cannot receive AF_UNIX datagrams either), at a path or, for {@code @NAME},
 * in the abstract namespace. Each datagram arrives as one {@link Message} with the receiver's
 * {@code CLOCK_MONOTONIC} time, in arrival order. {@link #close} kills python3.
 */
final class NotifyReceiver implements AutoCloseable {
    /** One datagram: its text ({@code KEY=VALUE} lines) and when it arrived, in monotonic microseconds. */
    record Message(String text, long atMicros) {
        boolean has(String assignment) { return text.lines().anyMatch(assignment::equals); }

        String get(String key) {
            return text.lines().filter(l -> l.startsWith(key + "=")).map(l -> l.substring(key.length() + 1)).findFirst().orElse(null);
        }
    }

    private static final String SCRIPT = """
            import json, socket, sys, time
            address = sys.argv[1]
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.bind("\\0" + address[1:] if address.startswith("@") else address)
            print("bound", flush=True)
            while True:
                data = s.recv(65536)
                print(json.dumps({"t": time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000, "m": data.decode()}), flush=True)
            """;

    private final String address;
    private final Process python;
    private final List<Message> messages = new CopyOnWriteArrayList<>();

    private NotifyReceiver(String address, Process python) {
        this.address = address;
        this.python = python;
    }

    /** Binds {@code address} (a path, or {@code @NAME}) and returns once it is bound. */
    static NotifyReceiver bind(String address) {
        try {
            Process python = new ProcessBuilder("python3", "-u", "-c", SCRIPT, address)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(python.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            if (!"bound".equals(first)) {
                python.destroyForcibly();
                throw new IllegalStateException("python3 could not bind " + address + ": " + first);
            }
            NotifyReceiver receiver = new NotifyReceiver(address, python);
            Thread.ofPlatform().daemon(true).name("notify-receiver").start(() -> {
                try {
                    for (String line; (line = out.readLine()) != null; ) {
                        JsonNode m = DaemonProcess.JSON.readTree(line);
                        receiver.messages.add(new Message(m.get("m").asText(), m.get("t").asLong()));
                    }
                } catch (IOException e) {
                    // python3 was killed: no more messages
                }
            });
            return receiver;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** As the daemon's {@code NOTIFY_SOCKET}. */
    String address() { return address; }

    /** Every datagram so far, in arrival order. */
    List<Message> messages() { return List.copyOf(messages); }

    /** The datagrams so far that hold {@code assignment} as one of their lines, e.g. {@code READY=1}. */
    List<Message> with(String assignment) {
        List<Message> found = new ArrayList<>();
        for (Message m : messages) if (m.has(assignment)) found.add(m);
        return found;
    }

    /** The datagrams so far that are not watchdog pings: the daemon's lifecycle, in order. */
    List<Message> lifecycle() {
        List<Message> found = new ArrayList<>();
        for (Message m : messages) if (!m.text().equals("WATCHDOG=1")) found.add(m);
        return found;
    }

    @Override public void close() {
        python.destroyForcibly();
        try {
            python.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
