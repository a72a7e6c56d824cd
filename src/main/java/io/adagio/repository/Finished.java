package io.adagio.repository;

import io.adagio.model.Node;

import java.util.List;

/**
 * What a finish came to: the finished node, and the nodes it made READY that were claimed for the finishing
 * agent in the same step ({@link Dispatch}).
 */
public record Finished(Node node, List<ClaimOutcome> next) {
    public Finished {
        next = List.copyOf(next);
    }
}
