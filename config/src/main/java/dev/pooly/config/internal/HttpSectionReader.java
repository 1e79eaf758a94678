package dev.pooly.config.internal;

import dev.pooly.config.ConfigSection;
import dev.pooly.config.HttpSettings;
import dev.pooly.config.MetricsSettings;
import dev.pooly.config.internal.YamlNode.Mapping;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reads {@code http: {socket, listen, token_file}}. A {@code listen} address that is not loopback
 * without a {@code token_file} is refused where {@code listen} is written: an API that can stop the
 * daemon's children is not served to the network unauthenticated. Stateless apart from the problems it logs.
 */
final class HttpSectionReader {
    private HttpSectionReader() {}

    static HttpSettings read(Mapping mapping, Path baseDir, ProblemLog problems) {
        SectionReader reader = new SectionReader(ConfigSection.HTTP, mapping, mapping.location(), problems);
        Path socket = reader.path("socket", HttpSettings.DEFAULT_SOCKET, baseDir);
        Optional<Path> token = reader.string("token_file").map(written -> baseDir.resolve(written).normalize());
        Optional<MetricsSettings> listen = Optional.empty();
        Optional<Mapping.Entry> listenEntry = reader.entry("listen");
        if (listenEntry.isPresent()) {
            listen = reader.string("listen").flatMap(text -> address(text, listenEntry.get(), problems));
            if (listen.isPresent() && token.isEmpty() && !loopback(listen.get().host())) {
                problems.add(SectionReader.at(listenEntry.get()), "http.listen " + listen.get() + " is not a loopback address: "
                        + "set http.token_file (clients then send 'Authorization: Bearer <token>'), or listen on 127.0.0.1 or [::1]");
            }
        }
        return new HttpSettings(socket, listen, token);
    }

    private static Optional<MetricsSettings> address(String listen, Mapping.Entry entry, ProblemLog problems) {
        return listenAddress(listen, entry, problems, "http.listen", "e.g. 127.0.0.1:8765 or [::1]:8765");
    }

    /**
     * {@code HOST:PORT} or {@code [v6]:PORT} of the {@code key} ({@code metrics.listen}, {@code http.listen})
     * at {@code entry}; a problem naming it, with {@code examples}, and empty when written wrongly.
     */
    static Optional<MetricsSettings> listenAddress(String listen, Mapping.Entry entry, ProblemLog problems, String key, String examples) {
        int colon = listen.lastIndexOf(':');
        String host = colon < 0 ? "" : listen.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port = -1;
        if (colon >= 0) {
            try {
                port = Integer.parseInt(listen.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
        }
        if (host.isEmpty() || (host.contains(":") && !listen.startsWith("[")) || port < 1 || port > 65535) {
            problems.add(SectionReader.at(entry), "bad " + key + " '" + listen + "': write HOST:PORT with a port 1-65535, " + examples);
            return Optional.empty();
        }
        return Optional.of(new MetricsSettings(host, port));
    }

    /** Loopback: {@code localhost}, 127.0.0.0/8, ::1. A name other than localhost is not looked up: it does not count. */
    static boolean loopback(String host) {
        if (host.equalsIgnoreCase("localhost")) return true;
        boolean literal = host.contains(":") || host.chars().allMatch(c -> c == '.' || Character.isDigit(c));
        if (!literal) return false;
        try {
            return InetAddress.getByName(host).isLoopbackAddress(); // a literal: no name lookup
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
