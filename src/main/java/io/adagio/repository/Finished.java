package io.adagio.repository;

import io.adagio.model.Node;

import java.util.List;

/**
 * What a finish came to: the finished node, the nodes it made READY that were claimed for the finishing agent in
 * the same step ({@link Dispatch}), whether this finish completed its run (its last node completed: true for
 * exactly one finish of a run, never for a repeated one), and whether it repeated an earlier identical finish
 * (which recorded nothing more: its answer had been lost).
 */
public record Finished(Node node, List<ClaimOutcome> next, boolean runCompleted, boolean repeated) {
    public Finished {
        next = List.copyOf(next);
    }
}
