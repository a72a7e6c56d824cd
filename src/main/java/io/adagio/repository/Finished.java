package io.adagio.repository;

import io.adagio.model.Node;

import java.util.List;

/**
 * What a finish came to: the finished node, the nodes it made READY that were claimed for the finishing agent in
 * the same step ({@link Dispatch}), whether this finish completed its run (its last node completed: true for
 * exactly one finish of a run, never for a repeated one), and whether it repeated an earlier identical finish
 * (which recorded nothing more: its answer had been lost). With a {@link Dispatch} naming the agent,
 * {@code cancelled} lists the other claims that agent holds whose run was cancelled, as the step saw them (the
 * agent should stop those nodes); it may be empty when the step could not see them (a finish done in steps).
 */
public record Finished(Node node, List<ClaimOutcome> next, boolean runCompleted, boolean repeated,
                       List<CancelledClaim> cancelled) {
    public Finished {
        next = List.copyOf(next);
        cancelled = List.copyOf(cancelled);
    }

    /** A finish that names no cancelled claims. */
    public Finished(Node node, List<ClaimOutcome> next, boolean runCompleted, boolean repeated) {
        this(node, next, runCompleted, repeated, List.of());
    }

    /** This answer, naming the agent's cancelled claims. */
    public Finished withCancelled(List<CancelledClaim> claims) {
        return new Finished(node, next, runCompleted, repeated, claims);
    }
}
