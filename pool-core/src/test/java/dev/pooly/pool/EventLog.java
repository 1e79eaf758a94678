package dev.pooly.pool;

import dev.pooly.supervisor.SupervisionEvent;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The tree listener of a test: keeps every {@link SupervisionEvent} in arrival order. Thread-safe
 * (supervisor threads append, the test thread reads).
 */
final class EventLog implements Consumer<SupervisionEvent> {
    private final List<SupervisionEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void accept(SupervisionEvent event) {
        events.add(event);
    }

    <T extends SupervisionEvent> List<T> of(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** Every OS pid an event named: what the tree spawned and reported. */
    Set<Long> pids() {
        Set<Long> pids = new LinkedHashSet<>();
        for (SupervisionEvent e : events) {
            switch (e) {
                case SupervisionEvent.Started s -> { if (s.pid() > 0) pids.add(s.pid()); }
                case SupervisionEvent.Exited x -> { if (x.pid() > 0) pids.add(x.pid()); }
                default -> { }
            }
        }
        return pids;
    }

    @Override
    public String toString() {
        return events.toString();
    }
}
