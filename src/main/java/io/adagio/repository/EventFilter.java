package io.adagio.repository;

import io.adagio.model.Event;
import io.adagio.model.EventType;

import java.util.Set;

/**
 * Which events a subscriber wants.
 *
 * @param types    event types; empty means those of agents ({@link EventType#forAgents})
 * @param runtimes node runtimes (events to agents); empty means all
 * @param runId    only this run's events; null means every run's
 */
public record EventFilter(Set<EventType> types, Set<String> runtimes, String runId) {
    public EventFilter {
        types = types == null || types.isEmpty() ? EventType.forAgents() : Set.copyOf(types);
        runtimes = runtimes == null ? Set.of() : Set.copyOf(runtimes);
    }

    /** Events of these types and runtimes, of every run. */
    public EventFilter(Set<EventType> types, Set<String> runtimes) {
        this(types, runtimes, null);
    }

    /** Every event to agents. */
    public static EventFilter all() {
        return new EventFilter(Set.of(), Set.of());
    }

    /** What observers get: NODE_STATUS events, of one run or (null) of all. */
    public static EventFilter observing(String runId) {
        return new EventFilter(Set.of(EventType.NODE_STATUS), Set.of(), runId);
    }

    /** Whether this is an observer's filter (it wants no event to agents). */
    public boolean observes() {
        for (EventType t : types) {
            if (!t.observed()) {
                return false;
            }
        }
        return true;
    }

    public boolean matches(Event e) {
        return types.contains(e.type()) && (runId == null || runId.equals(e.runId()))
                && (runtimes.isEmpty() || e.nodeSpec() != null && runtimes.contains(e.nodeSpec().runtime()));
    }
}
