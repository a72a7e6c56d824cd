package io.adagio.engine;

import io.adagio.model.Event;
import io.adagio.model.EventType;
import io.adagio.model.NodeSpec;
import io.adagio.model.NodeStatus;

import java.util.Optional;

/**
 * The events a node's change of state causes, decided once for every backend: the memory backend asks on
 * every change it applies, the etcd backend on every change its watch sees, and both build their current set
 * ("what is claimable now") from {@link #offer}. Pure.
 */
public final class NodeEvents {
    private NodeEvents() {
    }

    /**
     * The event of one change of a node's state.
     * <ul>
     *   <li>to READY from anything else (a new root, a child whose parents all succeeded, a retry) → NODE_READY;</li>
     *   <li>RUNNING to no state (its holder's lease ended) → NODE_ORPHANED;</li>
     *   <li>anything else (a claim, a completion, a skip) → none.</li>
     * </ul>
     *
     * @param before the state before, or null for a node that did not exist (a run being started)
     * @param after  the state after
     */
    public static Optional<Event> of(String runId, NodeSpec spec, NodeStatus before, NodeStatus after) {
        return type(before, after).map(type -> new Event(type, runId, spec));
    }

    /** The type of the event of one change of a node's state, as {@link #of} decides it. */
    public static Optional<EventType> type(NodeStatus before, NodeStatus after) {
        if (after == NodeStatus.READY && before != NodeStatus.READY) {
            return Optional.of(EventType.NODE_READY);
        }
        if (before == NodeStatus.RUNNING && after == NodeStatus.NONE) {
            return Optional.of(EventType.NODE_ORPHANED);
        }
        return Optional.empty();
    }

    /**
     * The event that tells {@code holder} to stop a RUNNING node its run's cancel reached
     * ({@link Cancellation#tellsHolder}) or that timed out; it goes to every agent stream of the node's runtime,
     * naming the holder and its claim.
     */
    public static Event cancelled(String runId, NodeSpec spec, String holder, String claimId) {
        return new Event(EventType.NODE_CANCELLED, runId, spec, holder, claimId);
    }

    /** The NODE_STATUS event of a node that is {@code node} now, in state {@code status} (observers). */
    public static Event status(String runId, io.adagio.model.Node node, NodeStatus status) {
        return Event.nodeStatus(runId, io.adagio.model.NodeView.of(node, status));
    }

    /**
     * The event that offers a node in a current set: NODE_READY for a READY node, NODE_ORPHANED for one in no
     * state (orphaned); none for a node that cannot be claimed.
     */
    public static Optional<Event> offer(String runId, NodeSpec spec, NodeStatus status) {
        return switch (status) {
            case READY -> Optional.of(new Event(EventType.NODE_READY, runId, spec));
            case NONE -> Optional.of(new Event(EventType.NODE_ORPHANED, runId, spec));
            default -> Optional.empty();
        };
    }
}
