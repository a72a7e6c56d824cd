package io.adagio.engine;

import com.github.f4b6a3.ulid.UlidFactory;
import io.adagio.model.GraphSpec;
import io.adagio.model.Node;
import io.adagio.model.NodeSpec;
import io.adagio.model.NodeStatus;
import io.adagio.model.Run;
import io.adagio.model.RunStatus;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes a new run from a validated graph: a monotonic ULID id whose timestamp is the creation time,
 * roots READY, every other node WAITING, run status WAITING.
 */
public final class RunFactory {
    private final Clock clock;
    private final UlidFactory ulids = UlidFactory.newMonotonicInstance();

    public RunFactory(Clock clock) {
        this.clock = clock;
    }

    /** The new run; nothing is stored. */
    public Run create(GraphSpec graph) {
        Instant now = clock.instant();
        String id;
        synchronized (ulids) {
            id = ulids.create(now.toEpochMilli()).toString();
        }
        Topology topology = Topology.of(graph.nodes(), graph.edges());
        List<Node> nodes = new ArrayList<>(graph.nodes().size());
        for (NodeSpec spec : graph.nodes()) {
            nodes.add(Node.initial(spec, topology.isRoot(spec.name()) ? NodeStatus.READY : NodeStatus.WAITING));
        }
        return new Run(id, now, RunStatus.WAITING, null, nodes, graph.edges());
    }
}
