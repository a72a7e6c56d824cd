package io.adagio.repository.memory;

import io.adagio.model.NodeStatus;
import io.adagio.model.Stats;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The nodes of every run by state: how many are in each, and, for the states a claim or a current set walks
 * (READY, RUNNING, NONE), which, in the order they reached it. WAITING and COMPLETED nodes are only counted: a
 * set of every node ever completed grew with the store and made each completion an insert into it. Not
 * thread-safe: guarded by the repository's lock.
 */
final class StatusIndex {
    private static final Set<NodeStatus> LISTED = EnumSet.of(NodeStatus.READY, NodeStatus.RUNNING, NodeStatus.NONE);

    private final Map<NodeStatus, Set<NodeRef>> byStatus = new EnumMap<>(NodeStatus.class);
    private final int[] counts = new int[NodeStatus.values().length];

    StatusIndex() {
        for (NodeStatus s : LISTED) {
            byStatus.put(s, new LinkedHashSet<>());
        }
    }

    void add(NodeRef node, NodeStatus status) {
        counts[status.ordinal()]++;
        Set<NodeRef> listed = byStatus.get(status);
        if (listed != null) {
            listed.add(node);
        }
    }

    void remove(NodeRef node, NodeStatus status) {
        counts[status.ordinal()]--;
        Set<NodeRef> listed = byStatus.get(status);
        if (listed != null) {
            listed.remove(node);
        }
    }

    void move(NodeRef node, NodeStatus from, NodeStatus to) {
        if (from != to) {
            remove(node, from);
            add(node, to);
        }
    }

    /**
     * The nodes in a state, oldest there first (a live view); only for READY, RUNNING and NONE.
     *
     * @throws IllegalArgumentException for a state whose nodes are only counted
     */
    Set<NodeRef> in(NodeStatus status) {
        Set<NodeRef> listed = byStatus.get(status);
        if (listed == null) {
            throw new IllegalArgumentException(status + " nodes are counted, not listed");
        }
        return listed;
    }

    Stats.NodeCounts counts() {
        return new Stats.NodeCounts(counts[NodeStatus.WAITING.ordinal()], counts[NodeStatus.READY.ordinal()],
                counts[NodeStatus.RUNNING.ordinal()], counts[NodeStatus.COMPLETED.ordinal()],
                counts[NodeStatus.NONE.ordinal()]);
    }
}
