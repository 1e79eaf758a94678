package dev.pooly.examples;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The example workers as commands to start, for tests that hold for every one of them. */
final class Workers {

    /** One way to start a worker; its name labels parameterized test runs. */
    record Worker(String name, List<String> command) {

        /** Starts this worker with {@code args} appended to its command. */
        WorkerProcess start(String... args) {
            List<String> full = new ArrayList<>(command);
            full.addAll(List.of(args));
            return WorkerProcess.start(full);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private Workers() {
    }

    /** Every worker this module ships, Java and script alike. */
    static Stream<Worker> all() {
        return Stream.of(
                java(Upper.class), java(ChuckNorris.class), java(Crashy.class), java(Slow.class),
                script("sh", "upper.sh"), script("python3", "upper.py"), script("sh", "echo.sh"));
    }

    static Worker java(Class<?> main) {
        return new Worker(main.getSimpleName(), WorkerProcess.javaCommand(main));
    }

    static Worker script(String interpreter, String name) {
        return new Worker(name, List.of(interpreter, script(name).toString()));
    }

    /** A script under worker-examples/scripts; tests run with the module directory as working directory. */
    static Path script(String name) {
        return Path.of("scripts", name).toAbsolutePath();
    }
}
