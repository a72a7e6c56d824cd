package io.adagio.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.adagio.model.Agent;
import io.adagio.model.Claim;
import io.adagio.model.GraphSpec;
import io.adagio.model.MetadataValues;
import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.adagio.model.Run;
import io.adagio.model.RunOutcome;
import io.adagio.model.RunStatus;
import io.adagio.model.Stats;
import io.adagio.repository.ClaimOutcome;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The request and response bodies of the API, in the original gateway's envelopes. */
final class Envelopes {
    private Envelopes() {
    }

    /**
     * {@code PUT /v0/runs}: the graph to run, as {@code {"spec": {...}}} (the original's body) or bare
     * ({@code {"nodes": [...], "edges": [...]}}, so an example graph file can be posted as it is); beside the spec,
     * optionally the run's {@code deadline} and {@code ttl} (durations).
     */
    record StartRun(GraphSpec spec, List<io.adagio.model.NodeSpec> nodes, List<io.adagio.model.Edge> edges,
                    String deadline, String ttl) {
        /** The graph given, or null when there is none. */
        GraphSpec graph() {
            if (spec != null) {
                return spec;
            }
            return nodes == null && edges == null ? null : new GraphSpec(nodes, edges);
        }
    }

    /** One run; {@code warnings} says what would keep it from finishing (e.g. a runtime no agent offers). */
    record RunBody(Run run, @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> warnings) {
    }

    /**
     * A listing: full runs or {@link RunSummary summaries}; {@code next_page_token} when paging (page_size,
     * page_token or a filter was given) and runs may be left.
     */
    record RunsBody(List<Object> runs,
                    @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("next_page_token") String nextPageToken) {
    }

    /** A run without its nodes: what a list of many runs needs. */
    record RunSummary(String id, @JsonProperty("created_at") Instant createdAt, RunStatus status,
                      @JsonInclude(JsonInclude.Include.NON_NULL) RunOutcome outcome,
                      @JsonProperty("node_counts") Stats.NodeCounts nodeCounts) {
        static RunSummary of(Run run) {
            long[] by = new long[NodeStatus.values().length];
            run.nodes().forEach(n -> by[n.status().ordinal()]++);
            return new RunSummary(run.id(), run.createdAt(), run.status(), run.outcome(), new Stats.NodeCounts(
                    by[NodeStatus.WAITING.ordinal()], by[NodeStatus.READY.ordinal()],
                    by[NodeStatus.RUNNING.ordinal()], by[NodeStatus.COMPLETED.ordinal()],
                    by[NodeStatus.NONE.ordinal()]));
        }
    }

    record NodeBody(Node node) {
    }

    record AgentsBody(List<Agent> agents) {
    }

    record StatsBody(Stats stats) {
    }

    /** {@code PUT /v0/agents/{id}}: the runtimes the agent offers. */
    record RegisterAgent(List<io.adagio.model.AgentRuntime> runtimes) {
    }

    /**
     * A live registration, how long it lasts without a call of the agent, and how often the agent must call
     * (a heartbeat, a v2 claim or finish) to keep it: a third of the TTL, so one lost call does not end it.
     */
    record LeaseBody(Agent agent, @JsonProperty("ttl_seconds") long ttlSeconds,
                     @JsonProperty("heartbeat_interval_ms") long heartbeatIntervalMs) {
        static LeaseBody of(io.adagio.repository.AgentLease lease) {
            return new LeaseBody(lease.agent(), lease.ttl().toSeconds(), lease.ttl().dividedBy(3).toMillis());
        }
    }

    /** {@code POST …/claim}: who claims, and optionally the claim id and metadata. */
    record ClaimRequest(@JsonProperty("agent_id") String agentId, Claim claim) {
    }

    /**
     * The answer to a claim; claim and node are present only when claimed. {@code claim.id} is the token the
     * finish must present: only the claimer sees it (the node's own {@code claim} reads as every reader sees it).
     */
    record ClaimBody(boolean claimed, ClaimView.Issued claim, Node node,
                     @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("run_id") String runId) {
        static ClaimBody of(ClaimOutcome out) {
            return new ClaimBody(out.claimed(), ClaimView.Issued.of(out.claim()), out.node(), out.runId());
        }
    }

    /**
     * {@code POST /v0/agents/{id}/claims}: how many nodes at most, how long to wait for one, and the request's
     * id (sent again after a lost answer, it answers the claims this request made).
     */
    record ClaimsRequest(Integer max, @JsonProperty("wait") String waitFor,
                         @JsonProperty("request_id") String requestId) {
    }

    /**
     * The claims a batch claim won (each RUNNING, held by the agent); empty when none came in time. {@code cancelled}:
     * the claims the agent holds whose run was cancelled (stop those nodes), left out when there are none.
     */
    record ClaimsBody(List<ClaimBody> claims,
                      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<CancelledBody> cancelled) {
        ClaimsBody(List<ClaimBody> claims) {
            this(claims, List.of());
        }
    }

    /** A claim the agent holds on a node whose run was cancelled: stop that node. */
    record CancelledBody(@JsonProperty("run_id") String runId, String node, @JsonProperty("claim_id") String claimId) {
        static CancelledBody of(io.adagio.repository.CancelledClaim c) {
            return new CancelledBody(c.runId(), c.node(), c.claimId());
        }
    }

    /** {@code POST /v0/agents/{id}/finishes}: several finishes of the agent's claims, and how many new claims. */
    record FinishesRequest(List<FinishItem> finishes, Integer next) {
    }

    /** One finish of a batch: which node, the claim that holds it, the result. */
    record FinishItem(@JsonProperty("run_id") String runId, String node, ClaimRef claim, ResultBody result) {
    }

    /** How one finish of a batch went: {@code finished} (with the node), {@code stale} or {@code not_found}. */
    record FinishOutcome(@JsonProperty("run_id") String runId, String node, String outcome,
                         @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("finished") Node finished) {
    }

    /** The answers in the order of the finishes, the new claims, and the agent's cancelled claims (if any). */
    record FinishesBody(List<FinishOutcome> results, List<ClaimBody> next,
                        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<CancelledBody> cancelled) {
    }

    /**
     * The finished node (none under {@code Prefer: return=minimal}) and, when the finish asked for {@code next},
     * the nodes claimed for its agent.
     */
    record FinishBody(@JsonInclude(JsonInclude.Include.NON_NULL) Node node,
                      @JsonInclude(JsonInclude.Include.NON_NULL) List<ClaimBody> next) {
    }

    /** {@code POST …/finish}: the claim that holds the node and the result. */
    record FinishRequest(ClaimRef claim, ResultBody result, @JsonProperty("agent_id") String agentId, Integer next) {
    }

    record ClaimRef(String id) {
    }

    /**
     * A result as agents send it: {@code output} is base64 bytes as in the original; {@code output_text} is a
     * plain-text alternative for curl users (UTF-8), used when {@code output} is absent.
     */
    record ResultBody(String conclusion, byte[] output, @JsonProperty("output_text") String outputText,
                      Map<String, MetadataValues> metadata) {
    }

    /** A node completed by a person: its output (base64, or as text), both optional. */
    /** The body of a cancel: how long running nodes may go on (a duration such as "30s"); optional. */
    record CancelRequest(String grace) {
    }

    /** The body of a retry: the nodes to retry (with their downstream); none or absent for the whole run. */
    record RetryRequest(List<String> nodes) {
    }

    record CompleteByHandRequest(byte[] output, @JsonProperty("output_text") String outputText) {
    }
}
