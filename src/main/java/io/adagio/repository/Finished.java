package io.adagio.repository;

import io.adagio.model.Node;
import io.adagio.model.RunOutcome;

import java.util.List;

/**
 * What a finish came to: the finished node, the nodes it made READY that were claimed for the finishing agent in
 * the same step ({@link Dispatch}), whether this finish completed its run (its last node completed: true for
 * exactly one finish of a run, never for a repeated one), and whether it repeated an earlier identical finish
 * (which recorded nothing more: its answer had been lost). With a {@link Dispatch} naming the agent,
 * {@code cancelled} lists the other claims that agent holds whose run was cancelled, as the step saw them (the
 * agent should stop those nodes); it may be empty when the step could not see them (a finish done in steps).
 * {@code outcome}: when this finish completed its run, the run's outcome if the step could tell it from what it
 * held (the memory backend always; etcd when the completing transaction read it: its run's verdict keys), so
 * nobody reads the run again to learn it; else null. {@code filled}: the step also claimed other READY nodes for
 * the agent up to the dispatch's {@code max} ({@link Dispatch#fill}), so fewer in {@code next} means no more were
 * READY for it then.
 */
public record Finished(Node node, List<ClaimOutcome> next, boolean runCompleted, boolean repeated,
                       List<CancelledClaim> cancelled, RunOutcome outcome, boolean filled) {
    public Finished {
        next = List.copyOf(next);
        cancelled = List.copyOf(cancelled);
        if (!runCompleted && outcome != null) {
            throw new IllegalArgumentException("an outcome is told only by the finish that completed its run");
        }
    }

    /** A finish whose step filled nothing beyond the nodes it made READY. */
    public Finished(Node node, List<ClaimOutcome> next, boolean runCompleted, boolean repeated,
                    List<CancelledClaim> cancelled, RunOutcome outcome) {
        this(node, next, runCompleted, repeated, cancelled, outcome, false);
    }

    /** A finish whose run's outcome is not told (it did not complete the run, or the step could not tell it). */
    public Finished(Node node, List<ClaimOutcome> next, boolean runCompleted, boolean repeated,
                    List<CancelledClaim> cancelled) {
        this(node, next, runCompleted, repeated, cancelled, null);
    }

    /** A finish that names no cancelled claims. */
    public Finished(Node node, List<ClaimOutcome> next, boolean runCompleted, boolean repeated) {
        this(node, next, runCompleted, repeated, List.of(), null);
    }
}
