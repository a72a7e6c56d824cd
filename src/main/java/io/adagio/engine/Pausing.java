package io.adagio.engine;

import io.adagio.model.Node;
import io.adagio.model.NodeStatus;

import java.util.Optional;

/**
 * What pausing and resuming a run do to its nodes, one node at a time, so a backend may apply them in any number
 * of steps, any number of times (each answer is empty once the node has what it gives). Pure.
 * <ul>
 *   <li>{@link #pause}: every node not completed is marked paused; a READY one goes back to WAITING (held: on etcd
 *       its ready key is withdrawn, so no agent, not even the original's, is offered it). While marked, a node is
 *       not claimed ({@link ClaimDecision.Paused}), a retry or a child that gets its last input waits instead of
 *       becoming READY ({@link Transitions#settle}, {@link Propagation#apply}); a RUNNING node runs on and finishes
 *       normally.</li>
 *   <li>{@link #resume}: the mark goes; a held node that has heard from all its parents becomes READY.</li>
 * </ul>
 */
public final class Pausing {
    private Pausing() {
    }

    /** The node once its run is paused; empty when it is marked already, completed, or reached by a cancel. */
    public static Optional<Node> pause(Node node) {
        if (node.paused() || node.status() == NodeStatus.COMPLETED || node.cancelled()) {
            return Optional.empty();
        }
        NodeStatus held = node.status() == NodeStatus.READY ? NodeStatus.WAITING : node.status();
        return Optional.of(node.withPaused(true, held));
    }

    /** The node once its run is resumed; empty when it was not paused. */
    public static Optional<Node> resume(Topology topology, Node node) {
        if (!node.paused()) {
            return Optional.empty();
        }
        boolean ready = node.status() == NodeStatus.WAITING && node.readyAt() == null
                && Propagation.heardFromAll(topology, node);
        return Optional.of(node.withPaused(false, ready ? NodeStatus.READY : node.status()));
    }

    /** Whether a run is paused: some node not completed is marked. */
    public static boolean isPaused(java.util.Collection<Node> nodes) {
        for (Node n : nodes) {
            if (n.paused() && n.status() != NodeStatus.COMPLETED) {
                return true;
            }
        }
        return false;
    }
}
