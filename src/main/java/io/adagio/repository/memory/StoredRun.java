package io.adagio.repository.memory;

import io.adagio.engine.Topology;
import io.adagio.model.Node;
import io.adagio.repository.NotFoundException;

import java.time.Instant;

/** A run as the memory backend keeps it: its immutable shape and its nodes' current values, by topology index. */
final class StoredRun {
    final String id;
    final Instant createdAt;
    final Topology topology;
    final Node[] nodes;
    /** Nodes not COMPLETED. */
    int unfinished;

    StoredRun(String id, Instant createdAt, Topology topology, Node[] nodes) {
        this.id = id;
        this.createdAt = createdAt;
        this.topology = topology;
        this.nodes = nodes;
    }

    /** @throws NotFoundException when the run has no such node */
    int index(String name) {
        if (!topology.contains(name)) {
            throw new NotFoundException("node", id + "/" + name);
        }
        return topology.indexOf(name);
    }
}
