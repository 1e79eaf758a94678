/**
 * Binds a pool-core pool to a Micrometer {@code MeterRegistry}. Its API takes both a
 * {@code dev.pooly.pool.Pool} and a {@code MeterRegistry}, hence {@code requires transitive}.
 */
module dev.pooly.micrometer {
    requires transitive dev.pooly.pool;
    requires transitive micrometer.core;

    exports dev.pooly.micrometer;
}
