package io.adagio.engine;

import io.adagio.model.Event;
import io.adagio.model.Node;

import java.util.List;

/** What a finish comes to. */
public sealed interface FinishDecision {
    /**
     * Apply: store every node of {@code changes} (the finished node first) and publish {@code events}.
     */
    record Applied(List<Node> changes, List<Event> events) implements FinishDecision {
        /** The finished node as it is after the finish. */
        public Node finished() {
            return changes.get(0);
        }
    }

    /** The same claim already finished the node with the same result: nothing to do, answer success. */
    record Repeated(Node node) implements FinishDecision {
    }

    /** The claim does not hold the node (any more): reject, change nothing. */
    record Stale(Node node) implements FinishDecision {
    }
}
