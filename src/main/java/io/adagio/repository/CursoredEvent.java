package io.adagio.repository;

import io.adagio.model.Event;

/** An event and its position in the history. */
public record CursoredEvent(Cursor cursor, Event event) {
}
