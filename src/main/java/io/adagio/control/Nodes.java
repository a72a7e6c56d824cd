package io.adagio.control;

import com.github.f4b6a3.ulid.UlidCreator;
import io.adagio.model.Claim;
import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.model.Run;
import io.adagio.repository.ClaimOutcome;
import io.adagio.repository.Repository;
import io.adagio.repository.StaleClaimException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * The agent side of a node: claims (with a claim id minted here when the agent brings none) and finishes
 * (with their metrics and the completion of the run they end).
 */
public final class Nodes {
    private static final Logger log = LoggerFactory.getLogger(Nodes.class);

    private final Repository repository;
    private final ControlMetrics metrics;

    public Nodes(Repository repository, ControlMetrics metrics) {
        this.repository = repository;
        this.metrics = metrics;
    }

    /**
     * Claims a node for an agent; see {@link Repository#claimNode}.
     *
     * @param requested the claim the agent asks for (its id and metadata), or null
     * @throws InvalidRequestException when no agent is named
     */
    public ClaimOutcome claim(String runId, String name, String agentId, Claim requested) {
        if (agentId == null || agentId.isBlank()) {
            throw new InvalidRequestException("agent_id is required.", Map.of("field", "agent_id"));
        }
        String id = requested == null || requested.id() == null || requested.id().isBlank()
                ? UlidCreator.getMonotonicUlid().toString() : requested.id();
        Claim claim = new Claim(id, requested == null ? Map.of() : requested.metadata());
        ClaimOutcome out = repository.claimNode(runId, name, agentId, claim);
        metrics.claim(out.claimed());
        if (out.claimed()) {
            log.debug("run {} node {} claimed by {} ({})", runId, name, agentId, id);
        }
        return out;
    }

    /**
     * Finishes a node held by a claim; see {@link Repository#finishNode}. When it was the run's last node the
     * run's outcome is logged and counted.
     *
     * @throws InvalidRequestException when no claim is named
     */
    public Node finish(String runId, String name, String claimId, Result result) {
        if (claimId == null || claimId.isBlank()) {
            throw new InvalidRequestException("claim.id is required: the claim that holds the node.",
                    Map.of("field", "claim.id"));
        }
        Node node;
        try {
            node = repository.finishNode(runId, name, claimId, result);
        } catch (StaleClaimException e) {
            metrics.staleFinish();
            throw e;
        }
        log.debug("run {} node {} finished {} -> {}", runId, name, result.conclusion(), node.status());
        metrics.finished(result.conclusion(), node.status());
        if (node.status() == NodeStatus.COMPLETED && repository.isRunCompleted(runId)) {
            Run run = repository.inspectRun(runId);
            log.info("run {} completed: {}", runId, run.outcome());
            metrics.runFinished(run.outcome());
        }
        return node;
    }
}
