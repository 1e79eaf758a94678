package dev.pooly.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code http} section: the daemon's HTTP API (docs/http.md), always on a Unix socket and
 * optionally on TCP. Immutable.
 *
 * @param socket    {@code http.socket}, absolute: HTTP/1.1 on a Unix socket, mode 0600
 * @param listen    {@code http.listen}: an optional TCP address
 * @param tokenFile {@code http.token_file}, absolute: when set, every TCP request needs
 *                  {@code Authorization: Bearer <the file's content>}; required for a listen address
 *                  that is not loopback
 */
public record HttpSettings(Path socket, Optional<MetricsSettings> listen, Optional<Path> tokenFile) {

    /** The default {@code http.socket}, next to the config file. */
    public static final String DEFAULT_SOCKET = "pooly-http.sock";

    public HttpSettings {
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(tokenFile, "tokenFile");
    }
}
