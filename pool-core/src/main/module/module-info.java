/**
 * poolboy's pool over supervised worker processes: the API package only.
 *
 * <p>{@code dev.pooly.pool.internal} and {@code dev.pooly.pool.internal.frames} are not exported, so
 * code on the module path cannot reach {@code PoolCore} or the decoders; pools are built from
 * {@code PoolSpec} through {@code Pool}'s static factories. The API names supervisor types
 * ({@code ExitReason}, {@code ProcessSpec}), hence {@code requires transitive}.
 */
module dev.pooly.pool {
    requires transitive dev.pooly.supervisor;
    requires org.slf4j;

    exports dev.pooly.pool;
}
