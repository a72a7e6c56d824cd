package io.adagio.model;

import com.fasterxml.jackson.annotation.JsonInclude;
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
 * @param rerunOf   the run this one reruns ({@code POST /v0/runs/{id}/rerun}), or null
 * @param paused    true while it is paused ({@code POST /v0/runs/{id}/pause}): none of its nodes is offered or
 *                  claimed until it is resumed
 * @param deadline  how long it may take from its creation (a duration such as {@code "1h"}): when that has passed
 *                  and it has not completed, it is cancelled at once; null: no limit
 * @param ttl       how long it is kept once completed before it is deleted; null: as {@code adagio.retention.finished}
 */
public record Run(String id,
                  @JsonProperty("created_at") Instant createdAt,
                  RunStatus status,
                  RunOutcome outcome,
                  List<Node> nodes,
                  List<Edge> edges,
                  @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("rerun_of") String rerunOf,
                  @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean paused,
                  @JsonInclude(JsonInclude.Include.NON_NULL) String deadline,
                  @JsonInclude(JsonInclude.Include.NON_NULL) String ttl) {
    public Run {
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
        edges = edges == null ? List.of() : List.copyOf(edges);
    }

    /** A run that reruns none. */
    public Run(String id, Instant createdAt, RunStatus status, RunOutcome outcome, List<Node> nodes, List<Edge> edges) {
        this(id, createdAt, status, outcome, nodes, edges, null, false, null, null);
    }

    /** This run, recorded as a rerun of {@code runId}. */
    public Run asRerunOf(String runId) {
        return new Run(id, createdAt, status, outcome, nodes, edges, runId, paused, deadline, ttl);
    }

    /** This run with a deadline and a time to live once completed (either may be null). */
    public Run withTimes(String deadline, String ttl) {
        return new Run(id, createdAt, status, outcome, nodes, edges, rerunOf, paused, deadline, ttl);
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
