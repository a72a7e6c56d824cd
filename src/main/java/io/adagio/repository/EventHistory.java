package io.adagio.repository;

import io.adagio.model.Event;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The recent events of a store, keyed by {@link Cursor} and bounded: once full, the oldest are dropped and the
 * {@link #horizon} moves past them, so a subscriber whose position is older knows it missed events. Not
 * thread-safe: its owner guards it with its own lock.
 */
public final class EventHistory {
    private final int capacity;
    private final TreeMap<Cursor, Event> events = new TreeMap<>();
    private Cursor horizon = new Cursor(0, 0);

    /** @param capacity the most events kept */
    public EventHistory(int capacity) {
        this.capacity = Math.max(1, capacity);
    }

    /** Adds an event, dropping the oldest if the history is full. */
    public void append(Cursor cursor, Event event) {
        events.put(cursor, event);
        while (events.size() > capacity) {
            horizon = events.pollFirstEntry().getKey();
        }
    }

    /** Forgets everything: a position before {@code from} can no longer resume. */
    public void restartAt(Cursor from) {
        events.clear();
        horizon = from;
    }

    /** The oldest position from which every later event is still here. */
    public Cursor horizon() {
        return horizon;
    }

    /** Whether a subscriber at {@code position} can be served from here without missing events. */
    public boolean covers(Cursor position) {
        return position.compareTo(horizon) >= 0;
    }

    /** Events after a position that match a filter, and the position reached (the last event looked at). */
    public record Batch(List<CursoredEvent> events, Cursor position) {
    }

    /** Up to {@code max} matching events after {@code position}; the position moves past non-matching ones too. */
    public Batch after(Cursor position, EventFilter filter, int max) {
        List<CursoredEvent> out = new ArrayList<>();
        Cursor reached = position;
        for (Map.Entry<Cursor, Event> e : events.tailMap(position, false).entrySet()) {
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
