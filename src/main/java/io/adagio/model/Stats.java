package io.adagio.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Counts over the whole store.
 *
 * @param runCount   how many runs exist
 * @param nodeCounts how many nodes are in each state
 */
public record Stats(@JsonProperty("run_count") long runCount, @JsonProperty("node_counts") NodeCounts nodeCounts) {

    /**
     * Node counts by state. {@code orphaned} counts nodes in no state (NONE): they wait to be recovered.
     */
    public record NodeCounts(@JsonProperty("waiting_count") long waiting,
                             @JsonProperty("ready_count") long ready,
                             @JsonProperty("running_count") long running,
                             @JsonProperty("completed_count") long completed,
                             @JsonProperty("orphaned_count") long orphaned) {
    }
}
