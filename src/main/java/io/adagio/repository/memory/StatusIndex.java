package io.adagio.repository.memory;

import io.adagio.model.NodeStatus;
import io.adagio.model.Stats;

import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** The nodes of every run by state, in the order they reached it. Not thread-safe: guarded by the repository's lock. */
final class StatusIndex {
    private final Map<NodeStatus, Set<NodeRef>> byStatus = new EnumMap<>(NodeStatus.class);

    StatusIndex() {
        for (NodeStatus s : NodeStatus.values()) {
            byStatus.put(s, new LinkedHashSet<>());
        }
    }

    void add(NodeRef node, NodeStatus status) {
        byStatus.get(status).add(node);
    }

    void remove(NodeRef node, NodeStatus status) {
        byStatus.get(status).remove(node);
    }

    void move(NodeRef node, NodeStatus from, NodeStatus to) {
        if (from != to) {
            byStatus.get(from).remove(node);
            byStatus.get(to).add(node);
        }
    }

    /** The nodes in a state, oldest there first (a live view). */
    Set<NodeRef> in(NodeStatus status) {
        return byStatus.get(status);
    }

    Stats.NodeCounts counts() {
        return new Stats.NodeCounts(in(NodeStatus.WAITING).size(), in(NodeStatus.READY).size(),
                in(NodeStatus.RUNNING).size(), in(NodeStatus.COMPLETED).size(), in(NodeStatus.NONE).size());
    }
}
