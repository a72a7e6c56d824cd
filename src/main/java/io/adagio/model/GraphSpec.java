package io.adagio.model;

import java.util.List;

/**
 * A workflow as submitted: nodes joined by edges, which must form a DAG.
 *
 * @param nodes the nodes, names unique
 * @param edges source → destination pairs naming nodes of this graph
 */
public record GraphSpec(List<NodeSpec> nodes, List<Edge> edges) {
    public GraphSpec {
        nodes = nodes == null ? List.of() : nodes;
        edges = edges == null ? List.of() : edges;
    }
}
