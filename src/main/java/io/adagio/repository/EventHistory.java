package io.adagio.repository;

import io.adagio.model.Event;

import java.util.ArrayList;
import java.util.List;

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

    /**
     * One kind of events in cursor order, with the oldest position from which all of that kind are still here: a
     * ring of parallel arrays, grown by doubling up to the capacity. Events come in cursor order, so an append is
     * a store at the end and dropping the oldest a step of the head; a cursor out of order (not seen from either
     * backend) is put in its place by shifting the later ones.
     */
    private final class Part {
        Cursor[] cursors = new Cursor[16];
        Event[] events = new Event[16];
        int head;
        int size;
        Cursor horizon = new Cursor(0, 0);

        Cursor cursor(int i) {
            return cursors[(head + i) & (cursors.length - 1)];
        }

        Event event(int i) {
            return events[(head + i) & (cursors.length - 1)];
        }

        void set(int i, Cursor c, Event e) {
            int at = (head + i) & (cursors.length - 1);
            cursors[at] = c;
            events[at] = e;
        }

        /** The first index whose cursor is after {@code position} ({@code size} when none is). */
        int firstAfter(Cursor position) {
            int lo = 0;
            int hi = size;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (cursor(mid).compareTo(position) <= 0) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }

        void add(Cursor c, Event e) {
            if (size > 0 && c.compareTo(cursor(size - 1)) <= 0) {
                int at = firstAfter(c);
                if (at > 0 && cursor(at - 1).equals(c)) {
                    set(at - 1, c, e); // the same position again: the later event stands, as in a map
                    return;
                }
                grow();
                for (int i = size; i > at; i--) {
                    set(i, cursor(i - 1), event(i - 1));
                }
                set(at, c, e);
                size++;
            } else {
                grow();
                set(size, c, e);
                size++;
            }
            while (size > capacity) {
                horizon = cursor(0);
                set(0, null, null);
                head = (head + 1) & (cursors.length - 1);
                size--;
            }
        }

        /** Room for one more (the ring may hold capacity + 1 for a moment, before the oldest goes). */
        private void grow() {
            if (size < cursors.length) {
                return;
            }
            Cursor[] c = new Cursor[cursors.length * 2];
            Event[] e = new Event[cursors.length * 2];
            for (int i = 0; i < size; i++) {
                c[i] = cursor(i);
                e[i] = event(i);
            }
            cursors = c;
            events = e;
            head = 0;
        }

        void clear() {
            cursors = new Cursor[16];
            events = new Event[16];
            head = 0;
            size = 0;
        }
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
        (event.type().observed() ? observers : agents).add(cursor, event);
    }

    /** Forgets everything: a position before {@code from} can no longer resume. */
    public void restartAt(Cursor from) {
        for (Part p : List.of(agents, observers)) {
            p.clear();
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
        Part p = of(filter);
        List<CursoredEvent> out = new ArrayList<>();
        Cursor reached = position;
        for (int i = p.firstAfter(position); i < p.size; i++) {
            reached = p.cursor(i);
            Event e = p.event(i);
            if (filter.matches(e)) {
                out.add(new CursoredEvent(reached, e));
                if (out.size() >= max) {
                    break;
                }
            }
        }
        return new Batch(out, reached);
    }
}
