package io.adagio.repository;

import io.adagio.model.Event;

import java.util.List;
import java.util.Optional;

/**
 * What a backend plugs into the {@link EventFanout}: the two things only it knows. Called outside the
 * fan-out's lock, on a subscriber's delivery thread; may block on the store (with a deadline).
 */
public interface EventSource {
    /** The current set at one point of the store's history. */
    record Snapshot(Cursor position, List<Event> events) {
    }

    /**
     * The claimable nodes now (each as {@code NodeEvents.offer} says), matching the filter, and the position
     * after which live events continue.
     *
     * @throws BackendUnavailableException when the store cannot be read now (the fan-out tries again later)
     */
    Snapshot snapshot(EventFilter filter);

    /**
     * The events after {@code after} up to and including {@code upTo} (the oldest position the fan-out's own
     * history still serves), in order (none when {@code after} is not older than that); empty when they cannot be had (the store forgot them, or {@code after}
     * is from the store's future), which gives the subscriber a reset snapshot.
     *
     * @throws BackendUnavailableException when the store cannot be read now (the fan-out tries again later)
     */
    Optional<List<CursoredEvent>> between(Cursor after, Cursor upTo);
}
