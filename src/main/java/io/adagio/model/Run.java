package io.adagio.model;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;
import java.util.List;

/**
 * One execution of a graph.
 *
 * @param id        a ULID: time-ordered and lexicographically sortable
 * @param createdAt creation time (the ULID's timestamp, with the clock's full precision)
 * @param status    WAITING, RUNNING or COMPLETED
 * @param outcome   SUCCEEDED or FAILED once decided, else null
 * @param nodes     the nodes in submission order
 * @param edges     the edges as submitted
 */
public record Run(String id,
                  @JsonProperty("created_at") Instant createdAt,
                  RunStatus status,
                  RunOutcome outcome,
                  List<Node> nodes,
                  List<Edge> edges) {
    public Run {
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
        edges = edges == null ? List.of() : List.copyOf(edges);
    }

    /** The node with that name, or null. */
    public Node node(String name) {
        for (Node n : nodes) {
            if (n.name().equals(name)) {
                return n;
            }
        }
        return null;
    }
}
