package io.adagio.repository;

import io.adagio.model.Run;

/**
 * What a start with an idempotency key came to.
 *
 * @param run      the run: the one just started, or the one started earlier with the same key and graph
 * @param replayed true when it was started earlier (nothing was stored now)
 */
public record Started(Run run, boolean replayed) {
}
