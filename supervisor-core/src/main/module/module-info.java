/**
 * OTP supervision of OS processes and in-JVM services: the API package only.
 *
 * <p>{@code dev.pooly.supervisor.internal} (actors, launchers, containment) is not exported, so code on
 * the module path cannot reach it. cli's ArchitectureTest keeps the rules JPMS does not check (no
 * sockets in the cores, and internal packages stay internal on the class path too). The posix_spawn launcher
 * calls native code through FFM: run with {@code --enable-native-access=dev.pooly.supervisor}.
 */
module dev.pooly.supervisor {
    requires org.slf4j;
    // zt-exec has no module descriptor nor Automatic-Module-Name: its name comes from the jar's file name.
    requires zt.exec;

    exports dev.pooly.supervisor;
}
