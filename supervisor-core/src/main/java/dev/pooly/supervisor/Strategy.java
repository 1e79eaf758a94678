package dev.pooly.supervisor;

/**
 * What a supervisor restarts when one child exits and must be restarted, as in OTP.
 * <ul>
 *   <li>{@link #ONE_FOR_ONE}: only that child.</li>
 *   <li>{@link #ONE_FOR_ALL}: every child: the others are stopped in reverse start order, then all
 *   are started in order.</li>
 *   <li>{@link #REST_FOR_ONE}: that child and those started after it.</li>
 *   <li>{@link #SIMPLE_ONE_FOR_ONE}: dynamic children of one template, added with
 *   {@link Supervisor#startChild()}; each restarted on its own like {@code ONE_FOR_ONE}.</li>
 * </ul>
 * Immutable and thread-safe.
 */
public enum Strategy {
    ONE_FOR_ONE, ONE_FOR_ALL, REST_FOR_ONE, SIMPLE_ONE_FOR_ONE
}
