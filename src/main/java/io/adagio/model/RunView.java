package io.adagio.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What an observer sees of a run (a {@code RUN_STATUS} event): its status, outcome and pause, and how many of its
 * nodes are in each state.
 *
 * @param status     WAITING, RUNNING or COMPLETED
 * @param outcome    SUCCEEDED, FAILED or CANCELLED once decided, else null
 * @param paused     true while it is paused
 * @param nodeCounts its nodes by state
 */
public record RunView(RunStatus status, @JsonInclude(JsonInclude.Include.NON_NULL) RunOutcome outcome,
                      @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean paused,
                      @JsonProperty("node_counts") Stats.NodeCounts nodeCounts) {
}
