package dev.pooly.supervisor;

/**
 * An immutable description of one child of a supervisor: an OS process, a nested supervisor or an
 * in-JVM service. Ids must be unique in the whole tree.
 */
public sealed interface ChildSpec permits ProcessSpec, SupervisorSpec, ServiceSpec {
    String id();

    RestartType restart();

    Shutdown shutdown();

    /** The same spec under another id (dynamic children of a template get generated ids). */
    ChildSpec withId(String id);

    /** The same spec with another restart type. */
    ChildSpec withRestart(RestartType restart);

    static void checkId(String id) {
        if (id == null || id.isBlank()) throw new IllegalArgumentException("a child id must not be empty");
    }
}
