package io.adagio.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * Something a store tells its subscribers. To agents, a hint: a node can be claimed, or (NODE_CANCELLED) the agent
 * holding it should stop it; claims and finishes decide, and a duplicate event is harmless. To observers, a
 * node's new state (NODE_STATUS) or its run's (RUN_STATUS).
 *
 * @param type     the event's type
 * @param runId    the node's run
 * @param nodeSpec the node's spec (events to agents); null for observers' events
 * @param agentId  for NODE_CANCELLED, the agent that holds the node; else null
 * @param claimId  for NODE_CANCELLED, the claim by which it holds it (a later claim of the node is not meant)
 * @param nodeView for NODE_STATUS, the node as observers see it ({@link #node()}), worked out when first asked for;
 *                 else null
 * @param run      for RUN_STATUS, the run as observers see it; else null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"type", "run_id", "node_spec", "agent_id", "claim_id", "node", "run"})
public record Event(EventType type, @JsonProperty("run_id") String runId, @JsonProperty("node_spec") NodeSpec nodeSpec,
                    @JsonProperty("agent_id") String agentId,
                    @JsonProperty("claim_id") String claimId,
                    @JsonIgnore Deferred<NodeView> nodeView,
                    RunView run) {

    /** An event to agents that names no agent. */
    public Event(EventType type, String runId, NodeSpec nodeSpec) {
        this(type, runId, nodeSpec, null, null, null, null);
    }

    /** An event to agents. */
    public Event(EventType type, String runId, NodeSpec nodeSpec, String agentId, String claimId) {
        this(type, runId, nodeSpec, agentId, claimId, null, null);
    }

    /** A node's new state, for observers. */
    public static Event nodeStatus(String runId, NodeView node) {
        return new Event(EventType.NODE_STATUS, runId, null, null, null, node == null ? null : Deferred.known(node), null);
    }

    /** A node's new state, for observers, worked out when one looks (decoding a stored value costs). */
    public static Event deferredNodeStatus(String runId, Deferred<NodeView> node) {
        return new Event(EventType.NODE_STATUS, runId, null, null, null, node, null);
    }

    /** For NODE_STATUS, the node as observers see it; else null. */
    @JsonProperty("node")
    public NodeView node() {
        return nodeView == null ? null : nodeView.get();
    }

    /** A run's new state, for observers. */
    public static Event runStatus(String runId, RunView run) {
        return new Event(EventType.RUN_STATUS, runId, null, null, null, null, run);
    }
}
