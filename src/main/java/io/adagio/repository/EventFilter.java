package io.adagio.repository;

import io.adagio.model.Event;
import io.adagio.model.EventType;

import java.util.EnumSet;
import java.util.Set;

/**
 * Which events a subscriber wants.
 *
 * @param types    event types; empty means all
 * @param runtimes node runtimes; empty means all
 */
public record EventFilter(Set<EventType> types, Set<String> runtimes) {
    public EventFilter {
        types = types == null || types.isEmpty() ? EnumSet.allOf(EventType.class) : Set.copyOf(types);
        runtimes = runtimes == null ? Set.of() : Set.copyOf(runtimes);
    }

    /** Every event. */
    public static EventFilter all() {
        return new EventFilter(Set.of(), Set.of());
    }

    public boolean matches(Event e) {
        return types.contains(e.type()) && (runtimes.isEmpty() || runtimes.contains(e.nodeSpec().runtime()));
    }
}
