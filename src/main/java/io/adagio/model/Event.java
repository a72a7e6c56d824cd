package io.adagio.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A hint to agents: a node can be claimed, or (NODE_CANCELLED) the agent holding it should stop it. Claims and
 * finishes decide; a duplicate event is harmless.
 *
 * @param type     NODE_READY, NODE_ORPHANED or NODE_CANCELLED
 * @param runId    the node's run
 * @param nodeSpec the node's spec
 * @param agentId  for NODE_CANCELLED, the agent that holds the node; else null
 * @param claimId  for NODE_CANCELLED, the claim by which it holds it (a later claim of the node is not meant)
 */
public record Event(EventType type, @JsonProperty("run_id") String runId, @JsonProperty("node_spec") NodeSpec nodeSpec,
                    @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("agent_id") String agentId,
                    @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("claim_id") String claimId) {

    /** An event that names no agent. */
    public Event(EventType type, String runId, NodeSpec nodeSpec) {
        this(type, runId, nodeSpec, null, null);
    }
}
