package dev.pooly.examples;

import java.util.Locale;
import java.util.Map;

/**
 * Worker that answers each request line upper-cased, the same in every locale; an empty request gets
 * an empty response. Options: those of {@link LineWorker}.
 */
public final class Upper {

    private Upper() {
    }

    /** Runs the worker until stdin ends. */
    public static void main(String[] args) {
        LineWorker.run(Upper.class, args, Map.of(), options -> request -> request.toUpperCase(Locale.ROOT));
    }
}
