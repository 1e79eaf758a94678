package dev.pooly.examples;

import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Worker that echoes each request, except two trigger words that misbehave on purpose, to exercise
 * supervision and lease timeouts:
 * <ul>
 *   <li>the crash word ({@code crash}, or {@code --on=WORD}) makes it exit at once with status 3,
 *       without answering and without running shutdown hooks;</li>
 *   <li>the hang word ({@code hang}, or {@code --hang-on=WORD}) makes it never answer again; it stops
 *       reading stdin, so not even EOF ends it: only a signal does.</li>
 * </ul>
 * A request matches a trigger word only exactly. Other options: those of {@link LineWorker}.
 */
public final class Crashy {

    /** The exit status of a crash. */
    public static final int CRASH_STATUS = 3;

    private Crashy() {
    }

    /** Runs the worker until stdin ends, it crashes, or forever once it hangs. */
    public static void main(String[] args) {
        LineWorker.run(Crashy.class, args, Map.of("on", "WORD", "hang-on", "WORD"), options -> {
            String crashWord = options.value("on", "crash");
            String hangWord = options.value("hang-on", "hang");
            return request -> {
                if (request.equals(crashWord)) {
                    LineWorker.log(Crashy.class, "got '" + crashWord + "', crashing with status " + CRASH_STATUS);
                    // halt, not exit: a crash is abrupt, with no hooks and no last words on stdout.
                    Runtime.getRuntime().halt(CRASH_STATUS);
                }
                if (request.equals(hangWord)) {
                    LineWorker.log(Crashy.class, "got '" + hangWord + "', hanging forever");
                    // Park rather than spin: a hung worker should cost no CPU while it waits to be killed.
                    while (true) {
                        LockSupport.park();
                    }
                }
                return request;
            };
        });
    }
}
