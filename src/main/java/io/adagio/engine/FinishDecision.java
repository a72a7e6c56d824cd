package io.adagio.engine;

import io.adagio.model.Node;

/** What a finish of a node comes to, for the node itself; what it passes on is a {@link Propagation}. */
public sealed interface FinishDecision {
    /** Apply: store the finished node; then pass on {@link Transitions#propagation} of it. */
    record Applied(Node finished) implements FinishDecision {
    }

    /** The same claim already finished the node with the same result: nothing to do, answer success. */
    record Repeated(Node node) implements FinishDecision {
    }

    /** The claim does not hold the node (any more): reject, change nothing. */
    record Stale(Node node) implements FinishDecision {
    }
}
