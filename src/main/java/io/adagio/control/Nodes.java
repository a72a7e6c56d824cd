package io.adagio.control;

import com.github.f4b6a3.ulid.UlidCreator;
import io.adagio.model.Claim;
import io.adagio.model.MetadataValues;
import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.repository.ClaimOutcome;
import io.adagio.repository.Dispatch;
import io.adagio.repository.Finished;
import io.adagio.repository.Repository;
import io.adagio.repository.StaleClaimException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The agent side of a node: claims (with a claim id minted here when the agent brings none) and finishes
 * (with their metrics and the completion of the run they end).
 */
public final class Nodes {
    private static final Logger log = LoggerFactory.getLogger(Nodes.class);

    private final Repository repository;
    private final ControlMetrics metrics;
    private final Limits limits;

    /** @param limits what a finish may record ({@code adagio.limits.*}) */
    public Nodes(Repository repository, ControlMetrics metrics, Limits limits) {
        this.repository = repository;
        this.metrics = metrics;
        this.limits = limits;
    }

    /**
     * Checks what a finish would record against the limits, before anything is written.
     *
     * @throws TooLargeException when the output or the metadata is larger than its limit
     */
    public void check(Result result) {
        limits.check(result);
    }

    /**
     * A person completes a node no agent holds, with {@code output} (may be null: empty); its dependents proceed.
     * See {@link Repository#completeByHand}. When it was the run's last node, the run's completion is counted.
     *
     * @throws TooLargeException when the output is larger than its limit; nothing changes
     */
    public Node completeByHand(String runId, String name, byte[] output) {
        limits.check(new Result(io.adagio.model.Conclusion.SUCCESS, Map.of(), output));
        Finished done = repository.completeByHand(runId, name, output);
        if (!done.repeated()) {
            log.info("run {} node {} completed by hand", runId, name);
        }
        completedRun(runId, done);
        return done.node();
    }

    /**
     * Claims a node for an agent; see {@link Repository#claimNode}.
     *
     * @param requested what the agent asks for: its metadata, and an id naming this request (a retry with the
     *                  same id by the same agent answers the same claim); the claim's token is minted here
     * @throws InvalidRequestException when no agent is named
     */
    public ClaimOutcome claim(String runId, String name, String agentId, Claim requested) {
        if (agentId == null || agentId.isBlank()) {
            throw new InvalidRequestException("agent_id is required.", Map.of("field", "agent_id"));
        }
        // the token that fences finishes is always minted here; an id the agent sends names its request, so a
        // retry of a claim whose answer was lost answers the same claim
        String id = UlidCreator.getMonotonicUlid().toString();
        Map<String, MetadataValues> metadata = new LinkedHashMap<>(requested == null ? Map.of() : requested.metadata());
        metadata.remove(Claim.REQUEST_ID);
        if (requested != null && requested.id() != null && !requested.id().isBlank()) {
            metadata.put(Claim.REQUEST_ID, MetadataValues.of(requested.id()));
        }
        Claim claim = new Claim(id, metadata).forAgent(agentId);
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
        return finish(runId, name, claimId, result, null, 0).node();
    }

    /**
     * Finishes a node held by a claim, as {@link #finish(String, String, String, Result)}; an agent that names
     * itself must be the node's holder, and may ask for up to {@code next} of the nodes this finish makes READY
     * to be claimed for it at once (eager dispatch), each with a claim id minted here.
     *
     * @throws InvalidRequestException when no claim is named, or {@code next} is asked without an agent
     * @throws TooLargeException       when the output is larger than the limit; nothing changes
     */
    public Finished finish(String runId, String name, String claimId, Result result, String agentId, int next) {
        return finish(runId, name, claimId, result, agentId, next, null);
    }

    /**
     * As {@link #finish(String, String, String, Result, String, int)}; with {@code fill}, the step may also claim
     * other READY nodes for the agent up to {@code next}, with {@code fill} as their request id
     * ({@link Dispatch#fill}; {@link Finished#filled()} tells whether it did).
     */
    public Finished finish(String runId, String name, String claimId, Result result, String agentId, int next,
                           String fill) {
        if (claimId == null || claimId.isBlank()) {
            throw new InvalidRequestException("claim.id is required: the claim that holds the node.",
                    Map.of("field", "claim.id"));
        }
        check(result);
        boolean named = agentId != null && !agentId.isBlank();
        if (next < 0 || next > 0 && !named) {
            throw new InvalidRequestException("next must be 0 or more, and needs agent_id: the agent to claim for.",
                    Map.of("field", "next"));
        }
        Finished finished;
        try {
            finished = repository.finishNode(runId, name, claimId, result,
                    named ? new Dispatch(agentId, next, () -> UlidCreator.getMonotonicUlid().toString(), fill)
                            : Dispatch.NONE);
        } catch (StaleClaimException e) {
            metrics.staleFinish();
            throw e;
        }
        Node node = finished.node();
        log.debug("run {} node {} finished {} -> {}", runId, name, result.conclusion(), node.status());
        metrics.finished(result.conclusion(), node.status());
        finished.next().forEach(c -> metrics.claim(true));
        completedRun(runId, finished);
        return finished;
    }

    /** Logs and counts the run's completion when this finish completed it (reading the run when it did not tell). */
    private void completedRun(String runId, Finished finished) {
        if (finished.runCompleted()) {
            io.adagio.model.RunOutcome outcome = finished.outcome() != null ? finished.outcome()
                    : repository.inspectRun(runId).outcome();
            log.info("run {} completed: {}", runId, outcome);
            metrics.runFinished(outcome);
        }
    }
}
