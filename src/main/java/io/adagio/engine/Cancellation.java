package io.adagio.engine;

import io.adagio.model.Node;
import io.adagio.model.NodeStatus;

import java.time.Instant;
import java.util.Optional;

/**
 * What a run's cancel does to its nodes, one node at a time, so a backend may apply it in any number of steps, in
 * any order, any number of times (each answer is empty once the node has what the cancel gives). Pure.
 * <ol>
 *   <li>{@link #reach}: at once, every node not claimed and not completed (WAITING, READY, orphaned) completes as
 *       cancelled, without a result; a RUNNING node is marked, and its agent told to stop
 *       ({@link NodeEvents#cancelled}); it may still finish until the grace ends, but is never retried nor passes
 *       anything on ({@link Transitions}).</li>
 *   <li>{@link #fence}: when the grace ends, whatever has still not completed completes as cancelled: a claim
 *       still running is fenced off (its finish is stale from then on).</li>
 * </ol>
 */
public final class Cancellation {
    private Cancellation() {
    }

    /** The node once the cancel reached it; empty when it already has (or had completed before). */
    public static Optional<Node> reach(Node node, Instant now) {
        if (node.cancelled() || node.status() == NodeStatus.COMPLETED) {
            return Optional.empty();
        }
        return Optional.of(node.status() == NodeStatus.RUNNING ? node.asCancelling() : node.asCancelled(now));
    }

    /**
     * The node when the cancel's grace is over: completed as cancelled unless it completed; empty when it had, or
     * when the cancel never reached it (a node a retry brought back since is not the cancel's any more).
     */
    public static Optional<Node> fence(Node node, Instant now) {
        return node.status() == NodeStatus.COMPLETED || !node.cancelled() ? Optional.empty()
                : Optional.of(node.asCancelled(now));
    }

    /** Whether the change from {@code before} to {@code after} tells the node's holder to stop it. */
    public static boolean tellsHolder(Node before, Node after) {
        return before.status() == NodeStatus.RUNNING && !before.cancelled()
                && after.status() == NodeStatus.RUNNING && after.cancelled();
    }
}
