package io.adagio.repository;

import io.adagio.model.Claim;
import io.adagio.model.Node;

/**
 * The answer to a claim.
 *
 * @param claimed whether this claim won the node
 * @param claim   the winning claim (null when not claimed)
 * @param node    the node, RUNNING with its inputs and earlier attempts (null when not claimed)
 * @param runId   the node's run (null when not claimed)
 */
public record ClaimOutcome(boolean claimed, Claim claim, Node node, String runId) {
    public static ClaimOutcome notClaimed() {
        return new ClaimOutcome(false, null, null, null);
    }

    /** A won claim of a node of {@code runId}. */
    public static ClaimOutcome won(String runId, Claim claim, Node node) {
        return new ClaimOutcome(true, claim, node, runId);
    }
}
