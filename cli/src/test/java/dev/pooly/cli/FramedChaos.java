package dev.pooly.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * {@link ChaosIT}'s framed pools: {@code until}, {@code packet} (size 4, {@code on_abandon: return})
 * and {@code content_length}, each a pool of one real Python worker that answers every request
 * {@code R} with {@code ok:R} (for {@code until}, two lines: {@code ok:R} and {@code +R}), and that
 * misbehaves on the request's own word: {@code slow} (answers after 0.3 s), {@code half} (writes half
 * its answer frame, pauses 0.3 s mid-frame, then the rest: where the killer's SIGKILLs and the killed
 * clients land mid-frame), {@code trunc} (half a frame, then exits: a truncated frame), {@code big}
 * (a frame over {@code max}: a length header past it, or for {@code until} more than max without the
 * end line), {@code surplus} (its answer, then an unasked frame {@code ok:stray}) and {@code die}
 * (exits without answering).
 *
 * <p>Every request carries a unique token, so whatever a caller prints must be a prefix of the answers
 * to its own requests, in order, and all of them when it exited 0. A bad frame may end a call only with
 * 1 (or 75, or 137 when this client was killed). {@code surplus} is only ever a caller's last request:
 * an unasked frame that arrives while the next pipelined request is outstanding is that request's
 * answer as far as any framing can tell, and that is the worker's fault, not one Pooly can catch.
 */
final class FramedChaos {
    static final List<String> POOLS = List.of("f_until", "f_packet", "f_clen");
    static final Map<String, Integer> SIZES = Map.of("f_until", 1, "f_packet", 2, "f_clen", 1);

    private static final String WORKER = """
            import os, struct, sys, time
            kind = sys.argv[1]
            inp, out = sys.stdin.buffer, sys.stdout.buffer
            def read_request():
                if kind == 'until':
                    l = inp.readline()
                    return l[:-1] if l.endswith(b'\\n') else None
                if kind == 'packet':
                    h = inp.read(4)
                    if len(h) < 4: return None
                    n = struct.unpack('>I', h)[0]
                    p = inp.read(n)
                    return p if len(p) == n else None
                n = None
                while True:
                    l = inp.readline()
                    if not l: return None
                    if l in (b'\\r\\n', b'\\n'): break
                    k, _, v = l.partition(b':')
                    if k.strip().lower() == b'content-length': n = int(v)
                p = inp.read(n)
                return p if len(p) == n else None
            def frame(p):
                if kind == 'until': return p + b'\\nEND\\n'
                if kind == 'packet': return struct.pack('>I', len(p)) + p
                return b'Content-Length: %d\\r\\n\\r\\n' % len(p) + p
            def oversized():
                if kind == 'until': return (b'x' * 99 + b'\\n') * 700
                if kind == 'packet': return struct.pack('>I', 1 << 24) + b'big'
                return b'Content-Length: 16777216\\r\\n\\r\\nbig'
            while True:
                r = read_request()
                if r is None: break
                f = frame(b'ok:' + r + (b'\\n+' + r if kind == 'until' else b''))
                if b'slow' in r: time.sleep(0.3)
                if b'die' in r: os._exit(3)
                if b'trunc' in r:
                    out.write(f[:len(f) // 2]); out.flush(); os._exit(0)
                if b'big' in r:
                    out.write(oversized()); out.flush(); continue
                if b'half' in r:
                    out.write(f[:len(f) // 2]); out.flush(); time.sleep(0.3); f = f[len(f) // 2:]
                if b'surplus' in r: f += frame(b'ok:stray')
                out.write(f); out.flush()
            """;

    private final ChaosIT chaos;

    FramedChaos(ChaosIT chaos) {
        this.chaos = chaos;
    }

    /** The pools' config entries (YAML flow mappings, one per line, indented for the root's children). */
    static String pools(Path dir, String marker) {
        try {
            Files.writeString(dir.resolve("framed_worker.py"), WORKER);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String command = "[python3, -u, framed_worker.py, %s, " + marker + "]";
        String common = "max_restarts: 10000, max_seconds: 1";
        return """
                    - pool: {name: f_until, command: %s, size: 1, max_overflow: 1, framing: {kind: until, end: END, max: 64KiB}, %s}
                    - pool: {name: f_packet, command: %s, size: 2, on_abandon: return, framing: {kind: packet, size: 4, max: 64KiB}, %s}
                    - pool: {name: f_clen, command: %s, size: 1, max_overflow: 1, framing: {kind: content_length, max: 64KiB}, %s}
                """.formatted(command.formatted("until"), common, command.formatted("packet"), common,
                command.formatted("content_length"), common);
    }

    /** One step of a caller thread on a framed pool. */
    void step(DaemonProcess daemon) {
        String pool = ChaosIT.pick(POOLS);
        switch (ChaosIT.random().nextInt(4)) {
            case 0 -> call(daemon, pool);
            case 1 -> session(daemon, pool);
            case 2 -> {
                leaveMidFrame(daemon, pool);
                session(daemon, pool); // the next holder, at once: lifo hands it the worker just left
            }
            default -> {
                killedCall(daemon, pool);
                call(daemon, pool);
            }
        }
    }

    /** The answer payload a well-behaved worker gives {@code request}. */
    static String answer(String pool, String request) {
        return "ok:" + request + (pool.equals("f_until") ? "\n+" + request : "");
    }

    /** {@code pooly call POOL} with 1..4 unique requests on stdin, one a line; its output is checked against their answers. */
    private void call(DaemonProcess daemon, String pool) {
        List<String> sent = requests(1 + ChaosIT.random().nextInt(4));
        Process process = chaos.start(daemon, chaos.write(String.join("\n", sent) + "\n"), "call", pool, "--timeout", "30s");
        int exit = chaos.waitFor(process);
        checkOutput("framed call " + pool + " exit " + exit, pool, sent, chaos.output(process), exit == 0);
        chaos.outcome("framed call", exit);
    }

    /** A {@code pooly call} of one request answered mid-frame, SIGKILLed after 0..400 ms: a client killed mid-frame. */
    private void killedCall(DaemonProcess daemon, String pool) {
        String request = token("half");
        Process process = chaos.start(daemon, null, "call", pool, request, "--timeout", "30s");
        try {
            TimeUnit.MILLISECONDS.sleep(ChaosIT.random().nextInt(400)); // when the client dies, not a wait for a state
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
        int exit = chaos.waitFor(process);
        checkOutput("killed framed call " + pool + " exit " + exit, pool, List.of(request), chaos.output(process), exit == 0);
        chaos.count("framed call killed, exit " + exit);
    }

    /** A raw session: pipelined frames, each {@code {"frame"}} or {@code {"frame_base64"}}, then checkin; answers come in the request's form. */
    private void session(DaemonProcess daemon, String pool) {
        List<String> sent = requests(1 + ChaosIT.random().nextInt(4));
        List<Boolean> binary = new ArrayList<>();
        ProtocolClient client;
        try {
            client = ProtocolClient.lease(daemon.socket(), pool, "timeout_ms", "30000");
        } catch (AssertionError refused) {
            chaos.count("framed session refused");
            return;
        }
        chaos.sessions.add(client);
        StringBuilder got = new StringBuilder();
        boolean checkedIn = false;
        try (client) {
            for (String request : sent) {
                boolean base64 = ChaosIT.random().nextBoolean();
                binary.add(base64);
                ObjectNode message = DaemonProcess.JSON.createObjectNode();
                if (base64) message.put("frame_base64", Base64.getEncoder().encodeToString(request.getBytes(StandardCharsets.UTF_8)));
                else message.put("frame", request);
                client.send(message);
            }
            client.op("checkin");
            for (int i = 0; ; i++) {
                JsonNode message = client.receive();
                if (message == null) break;
                String payload;
                if (message.has("frame")) payload = message.get("frame").asText();
                else if (message.has("frame_base64")) payload = new String(Base64.getDecoder().decode(message.get("frame_base64").asText()), StandardCharsets.UTF_8);
                else {
                    checkedIn = message.path("checked_in").asBoolean(false);
                    break;
                }
                if (i < binary.size() && binary.get(i) != message.has("frame_base64")) {
                    chaos.wrongAnswer("framed session " + pool + ": answer " + i + " not in its request's form: " + message);
                }
                got.append(payload).append('\n');
            }
        } catch (RuntimeException | AssertionError e) {
            // Closed by the killer: what arrived is checked all the same.
        } finally {
            chaos.sessions.remove(client);
        }
        checkOutput("framed session " + pool + (checkedIn ? " checked in" : " cut"), pool, sent, got.toString(), checkedIn);
        chaos.count(checkedIn ? "framed session ok" : "framed session cut");
    }

    /** A session that sends one request answered mid-frame (or slowly) and hangs up 0..350 ms later: a client gone mid-frame. */
    private void leaveMidFrame(DaemonProcess daemon, String pool) {
        try (ProtocolClient client = ProtocolClient.lease(daemon.socket(), pool, "timeout_ms", "30000")) {
            client.send(DaemonProcess.JSON.createObjectNode().put("frame", token(ChaosIT.random().nextBoolean() ? "half" : "slow")));
            TimeUnit.MILLISECONDS.sleep(ChaosIT.random().nextInt(350)); // a holder's last moment, not a wait for a state
            chaos.count("framed session left mid-frame");
        } catch (AssertionError refused) {
            chaos.count("framed leave refused");
        } catch (RuntimeException e) {
            chaos.count("framed leave cut " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * What a caller printed (each answer's payload and a newline) must be a prefix of the answers to
     * its own requests, in order; all of them when the call completed.
     */
    private void checkOutput(String what, String pool, List<String> sent, String got, boolean complete) {
        StringBuilder expected = new StringBuilder();
        int answers = 0;
        for (String request : sent) {
            String next = answer(pool, request) + "\n";
            if (got.length() >= expected.length() + next.length()) answers++;
            expected.append(next);
        }
        String all = expected.toString();
        if (!all.startsWith(got) || (complete && !all.equals(got))) {
            chaos.wrongAnswer(what + ": printed " + DaemonProcess.JSON.getNodeFactory().textNode(got) + " for requests " + sent);
        } else {
            chaos.answered.addAndGet(answers);
        }
    }

    /** 1..n unique requests; most are plain, a few slow or answered mid-frame, one in five makes the worker misbehave. */
    private List<String> requests(int n) {
        List<String> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int roll = ChaosIT.random().nextInt(20);
            String word = switch (roll) {
                case 0, 1 -> "slow";
                case 2, 3 -> "half";
                case 4 -> "trunc";
                case 5 -> "big";
                case 6 -> "die";
                case 7 -> i == n - 1 ? "surplus" : "p";
                default -> "p";
            };
            list.add(token(word));
        }
        return list;
    }

    private String token(String word) {
        return word + "-" + chaos.payloads.incrementAndGet() + "-" + UUID.randomUUID();
    }
}
