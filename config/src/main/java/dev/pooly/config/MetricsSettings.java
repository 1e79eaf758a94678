package dev.pooly.config;

import java.util.Objects;

/**
 * The {@code metrics} section: where the daemon's HTTP listener for {@code /metrics}, {@code /healthz}
 * and {@code /readyz} binds. Immutable.
 *
 * @param host the address to bind, as written (a name, an IPv4 address or an IPv6 address without brackets)
 * @param port 1..65535
 */
public record MetricsSettings(String host, int port) {

    public MetricsSettings {
        Objects.requireNonNull(host, "host");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port must be 1..65535: " + port);
    }

    /** {@code host:port}, with brackets around an IPv6 address. */
    @Override public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
