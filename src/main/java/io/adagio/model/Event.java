package io.adagio.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A hint to agents that a node can be claimed. Claims decide; a duplicate event is harmless.
 *
 * @param type     NODE_READY or NODE_ORPHANED
 * @param runId    the node's run
 * @param nodeSpec the node's spec
 */
public record Event(EventType type, @JsonProperty("run_id") String runId, @JsonProperty("node_spec") NodeSpec nodeSpec) {
}
