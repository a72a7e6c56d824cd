package io.adagio.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;

/**
 * What an observer sees of a node (a {@code NODE_STATUS} event): its state, the conclusion of its latest attempt
 * and the markers beside the state, without its spec, inputs or outputs.
 *
 * @param name       the node's name
 * @param status     its state (NONE: orphaned, its agent gone)
 * @param conclusion the conclusion of its latest attempt; null before its first
 * @param attempts   how many attempts it has had
 * @param skipped    completed without running because something upstream failed for good
 * @param cancelled  reached by its run's cancel
 * @param paused     waiting for its paused run
 * @param byHand     completed by a person ({@code POST …/skip})
 * @param readyAt    while waiting out a retry's backoff: when it becomes READY
 * @param startedAt  when its latest claim began
 * @param finishedAt when it completed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeView(String name, NodeStatus status, Conclusion conclusion, int attempts,
                       @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean skipped,
                       @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean cancelled,
                       @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean paused,
                       @JsonInclude(JsonInclude.Include.NON_DEFAULT) @JsonProperty("by_hand") boolean byHand,
                       @JsonProperty("ready_at") Instant readyAt,
                       @JsonProperty("started_at") Instant startedAt,
                       @JsonProperty("finished_at") Instant finishedAt) {

    /** The metadata key that marks an attempt made by a person ({@code POST …/skip}). */
    public static final String BY_HAND = "adagio.completed_by_hand";

    /** The view of a node as stored, in state {@code status} (which may differ from the stored one: orphaned). */
    public static NodeView of(Node node, NodeStatus status) {
        Result last = node.lastAttempt();
        return new NodeView(node.name(), status, last == null ? null : last.conclusion(), node.attempts().size(),
                node.skipped(), node.cancelled(), node.paused(),
                last != null && last.metadata() != null && last.metadata().containsKey(BY_HAND), node.readyAt(),
                node.startedAt(), node.finishedAt());
    }

    /** The view of a node in its own state. */
    public static NodeView of(Node node) {
        return of(node, node.status());
    }

    /** This view in another state. */
    public NodeView withStatus(NodeStatus s) {
        return new NodeView(name, s, conclusion, attempts, skipped, cancelled, paused, byHand, readyAt, startedAt,
                finishedAt);
    }
}
