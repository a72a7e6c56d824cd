package io.adagio.engine;

import io.adagio.model.Node;

/** What a claim attempt on a node comes to. */
public sealed interface ClaimDecision {
    /** The claim wins: store {@code node} (RUNNING, started now, held by the claim). */
    record Claimed(Node node) implements ClaimDecision {
    }

    /** Another claim holds the node, or it is completed: not an error. */
    record NotClaimed() implements ClaimDecision {
    }

    /** The node is WAITING on its upstream: an error for the claimer. */
    record NotReady() implements ClaimDecision {
    }

    /** The node's run is paused ({@link Pausing}): an error for the claimer. */
    record Paused() implements ClaimDecision {
    }
}
