package io.adagio.repository;

import io.adagio.model.Event;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The recent events of a store, keyed by {@link Cursor} and bounded: once full, the oldest are dropped and the
 * {@link #horizon} moves past them, so a subscriber whose position is older knows it missed events. Events to
 * agents and events to observers ({@link io.adagio.model.EventType#observed}) are kept apart, each bounded by the
 * capacity on its own, in the one space of cursors: an agent's subscriber never walks past the many NODE_STATUS
 * events, and they never push the agents' events out. Not thread-safe: its owner guards it with its own lock.
 */
public final class EventHistory {
    private final int capacity;
    private final Part agents = new Part();
    private final Part observers = new Part();

    /** One kind of events, with the oldest position from which all of that kind are still here. */
    private static final class Part {
        final TreeMap<Cursor, Event> events = new TreeMap<>();
        Cursor horizon = new Cursor(0, 0);
    }

    /** @param capacity the most events kept of each kind */
    public EventHistory(int capacity) {
        this.capacity = Math.max(1, capacity);
    }

    private Part of(EventFilter filter) {
        return filter.observes() ? observers : agents;
    }

    /** Adds an event, dropping the oldest of its kind if that kind is full. */
    public void append(Cursor cursor, Event event) {
        Part p = event.type().observed() ? observers : agents;
        p.events.put(cursor, event);
        while (p.events.size() > capacity) {
            p.horizon = p.events.pollFirstEntry().getKey();
        }
    }

    /** Forgets everything: a position before {@code from} can no longer resume. */
    public void restartAt(Cursor from) {
        for (Part p : List.of(agents, observers)) {
            p.events.clear();
            p.horizon = from;
        }
    }

    /** The oldest position from which every later event a filter's subscriber wants is still here. */
    public Cursor horizon(EventFilter filter) {
        return of(filter).horizon;
    }

    /** Whether a subscriber of {@code filter} at {@code position} can be served from here without missing events. */
    public boolean covers(Cursor position, EventFilter filter) {
        return position.compareTo(of(filter).horizon) >= 0;
    }

    /** Events after a position that match a filter, and the position reached (the last event looked at). */
    public record Batch(List<CursoredEvent> events, Cursor position) {
    }

    /** Up to {@code max} matching events after {@code position}; the position moves past non-matching ones too. */
    public Batch after(Cursor position, EventFilter filter, int max) {
        List<CursoredEvent> out = new ArrayList<>();
        Cursor reached = position;
        for (Map.Entry<Cursor, Event> e : of(filter).events.tailMap(position, false).entrySet()) {
            reached = e.getKey();
            if (filter.matches(e.getValue())) {
                out.add(new CursoredEvent(e.getKey(), e.getValue()));
                if (out.size() >= max) {
                    break;
                }
            }
        }
        return new Batch(out, reached);
    }
}
