package dev.pooly.testing;

import dev.pooly.supervisor.SupervisionEvent;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The tree listener of a test (shared through supervisor-core's test jar): keeps every {@link SupervisionEvent} in arrival order. Thread-safe
 * (supervisor threads append, the test thread reads).
 */
public final class EventLog implements Consumer<SupervisionEvent> {
    private final List<SupervisionEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void accept(SupervisionEvent event) {
        events.add(event);
    }

    public List<SupervisionEvent> all() {
        return List.copyOf(events);
    }

    public <T extends SupervisionEvent> List<T> of(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    public <T extends SupervisionEvent> List<T> of(Class<T> type, String id) {
        return of(type).stream().filter(e -> e.id().equals(id)).toList();
    }

    public int count(Class<? extends SupervisionEvent> type, String id) {
        return of(type, id).size();
    }

    /** Ids of the {@code type} events in arrival order, e.g. the start order of a tree. */
    public List<String> ids(Class<? extends SupervisionEvent> type) {
        return of(type).stream().map(SupervisionEvent::id).toList();
    }

    /** Every OS pid an event named: what the tree spawned and reported. */
    public Set<Long> pids() {
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
