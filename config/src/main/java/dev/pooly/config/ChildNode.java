package dev.pooly.config;

/**
 * One node of the supervision tree as the file describes it: a {@link ProcessNode}, a
 * {@link PoolNode} or a nested {@link SupervisorNode}. Immutable.
 */
public sealed interface ChildNode permits ProcessNode, PoolNode, SupervisorNode {

    /** The node's {@code id} (a pool's {@code name}); unique in the whole file. */
    String id();

    /** Where the node starts in the file: its {@code process:}, {@code pool:} or {@code supervisor:} key. */
    Location location();
}
