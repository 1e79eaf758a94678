/**
 * The {@code pooly.yaml} config file: immutable records for the supervision tree it describes
 * ({@link dev.pooly.config.PoolyConfig}, {@link dev.pooly.config.ChildNode}) and
 * {@link dev.pooly.config.ConfigLoader}, which reads a file and reports all its problems at once as
 * {@code FILE:LINE:COLUMN: message}. Knows nothing of supervisors, pools or sockets at run time.
 *
 * <p>{@code pooly.schema.json}, beside these classes, is the same format as a JSON Schema for editors.
 * Everything under {@code dev.pooly.config.internal} is implementation and may change.
 */
package dev.pooly.config;
