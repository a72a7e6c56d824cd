package io.adagio.agent.http;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.adagio.agent.ControlPlane;
import io.adagio.model.Claim;
import io.adagio.model.Node;

import java.util.ArrayList;
import java.util.List;

/**
 * The API's answers to the agent calls, as the agent reads them: bound straight from the body (an agent's every
 * step reads one, and reading a tree first and binding its parts after cost the agent process a fifth of its
 * CPU per node). Fields the agent does not use are ignored, so newer answers with more fields still read.
 */
final class Answers {
    private Answers() {
    }

    /** A won (or not won) claim; its run is {@code run_id} when the answer names one. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record ClaimAnswer(boolean claimed, Claim claim, Node node, @JsonProperty("run_id") String runId) {
        ControlPlane.ClaimReply.Claimed claimedIn(String fallbackRunId) {
            return new ControlPlane.ClaimReply.Claimed(runId == null ? fallbackRunId : runId, claim, node);
        }
    }

    /** {@code POST /v0/agents/{id}/claims} and {@code GET …/claims?request_id=}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Claims(List<ClaimAnswer> claims) {
    }

    /** A single finish's answer: the claims it dispatched. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Finish(List<ClaimAnswer> next) {
    }

    /** One finish of a batch, answered on its own. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Outcome(String outcome) {
    }

    /** A claim the agent holds whose run was cancelled. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Cancelled(@JsonProperty("run_id") String runId, String node, @JsonProperty("claim_id") String claimId) {
    }

    /** {@code POST /v0/agents/{id}/finishes}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Finishes(List<Outcome> results, List<ClaimAnswer> next, List<Cancelled> cancelled) {
    }

    /** The claims of an answer (none when it has no list), each in {@code runId} unless it names its run. */
    static List<ControlPlane.ClaimReply.Claimed> claimed(List<ClaimAnswer> claims, String runId) {
        List<ControlPlane.ClaimReply.Claimed> out = new ArrayList<>(claims == null ? 0 : claims.size());
        if (claims != null) {
            for (ClaimAnswer c : claims) {
                out.add(c.claimedIn(runId));
            }
        }
        return out;
    }
}
