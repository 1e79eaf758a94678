/**
 * Pooly for Testcontainers: {@link dev.pooly.testcontainers.PoolyContainer} runs the real
 * {@code pooly daemon} in a Docker container from a config file and drives it with the real
 * {@code pooly} command line; {@link dev.pooly.testcontainers.PoolyImage} builds a self-contained
 * image for it from this machine's JDK, without pulling anything.
 *
 * <p>Everything outside {@code dev.pooly.testcontainers.internal} is the API.
 */
package dev.pooly.testcontainers;
