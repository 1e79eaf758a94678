package dev.pooly.cli.daemon;

/**
 * The protocol-specific half of a {@link LeaseSession}: how a leased worker's stdin and stdout are
 * relayed to and from the client's connection in one {@code mode} ({@link LinesRelay} for
 * {@code lines}, {@link BytesRelay} for {@code bytes}). A relay moves the session's
 * {@link SessionState} only through its methods and ends the lease only through the session's
 * {@code end...} methods, so the rule of who may end a lease how holds for every protocol.
 *
 * <p>To add a protocol: implement this, and pick it by mode in {@link LeaseSession#relayFor}.
 */
interface Relay {
    /**
     * Relays until the lease has ended. Called once, on the connection's thread, which reads the
     * client for the whole session; a relay that starts a reader thread returns only after that
     * thread ended, so the lease's holder thread outlives the lease.
     */
    void run();
}
