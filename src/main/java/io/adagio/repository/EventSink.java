package io.adagio.repository;

import io.adagio.model.Event;

import java.util.List;

/**
 * Receives a subscription's events, in order, from one thread at a time. A sink that is slow delays only
 * itself: if it falls behind the retained history it gets a snapshot with {@code reset = true}.
 */
public interface EventSink {
    /**
     * The current set: an event for every node that is claimable now (NODE_READY for READY nodes,
     * NODE_ORPHANED for orphaned ones), matching the filter.
     *
     * @param position where live events continue from
     * @param reset    true when the requested cursor was older than the retained history (events were lost
     *                 to compaction), false for a subscription that asked for no cursor
     */
    void onSnapshot(Cursor position, List<Event> current, boolean reset);

    /** A live event after the last one delivered. */
    void onEvent(CursoredEvent event);

    /** The subscription ended from the store's side (closed repository, unregistered agent). */
    default void onClose() {
    }
}
