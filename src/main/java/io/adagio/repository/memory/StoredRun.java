package io.adagio.repository.memory;

import io.adagio.engine.Inputs;
import io.adagio.engine.RunVerdict;
import io.adagio.engine.Topology;
import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.adagio.model.Run;
import io.adagio.repository.NotFoundException;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/** A run as the memory backend keeps it: its immutable shape and its nodes' current values, by topology index. */
final class StoredRun {
    final String id;
    final Instant createdAt;
    final Topology topology;
    final Node[] nodes;
    /** Nodes not COMPLETED. */
    int unfinished;
    /** The idempotency key that started it, or null. */
    String idempotencyKey;
    /** The run it reruns, or null. */
    String rerunOf;
    /** Its deadline and time to live once completed (durations as given), or null. */
    String deadline;
    String ttl;

    StoredRun(String id, Instant createdAt, Topology topology, Node[] nodes) {
        this.id = id;
        this.createdAt = createdAt;
        this.topology = topology;
        this.nodes = nodes;
    }

    /** Stores the node's next value; answers the one it replaces. */
    Node replace(Node next) {
        int i = index(next.name());
        Node prev = nodes[i];
        if (prev.status() == NodeStatus.COMPLETED && next.status() != NodeStatus.COMPLETED) {
            unfinished++;
        } else if (prev.status() != NodeStatus.COMPLETED && next.status() == NodeStatus.COMPLETED) {
            unfinished--;
        }
        nodes[i] = next;
        return prev;
    }

    /**
     * The run as readers see it: every node as it is now, with its inputs ({@link Inputs}), status and outcome
     * derived from them.
     */
    Run view() {
        List<Node> current = Arrays.asList(nodes.clone());
        return RunVerdict.run(id, createdAt, Inputs.filled(current), topology.edges(), rerunOf, deadline, ttl);
    }

    /** A node of this run as readers see it: with its inputs filled in from its parents as they are now. */
    Node view(Node node) {
        return Inputs.filled(node, parent -> topology.contains(parent) ? nodes[topology.indexOf(parent)] : null);
    }

    /** @throws NotFoundException when the run has no such node */
    int index(String name) {
        if (!topology.contains(name)) {
            throw new NotFoundException("node", id + "/" + name);
        }
        return topology.indexOf(name);
    }
}
