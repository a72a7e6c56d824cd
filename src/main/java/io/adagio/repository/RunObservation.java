package io.adagio.repository;

import io.adagio.model.Run;

/**
 * A run as an observer starts from: every node as it was at one point of the store's history, and that point, so
 * that the NODE_STATUS events after {@code position} are exactly the changes since.
 *
 * @param run      the run, read at {@code position}
 * @param position the cursor after which the events of its later changes come
 */
public record RunObservation(Run run, Cursor position) {
}
