package io.adagio.api;

import com.github.f4b6a3.ulid.UlidCreator;
import io.adagio.config.ServesApi;
import io.adagio.model.Claim;
import io.adagio.model.Conclusion;
import io.adagio.model.Node;
import io.adagio.model.Result;
import io.adagio.repository.ClaimOutcome;
import io.adagio.repository.Repository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The agent side of a node: claim it, finish it. */
@RestController
@ServesApi
@RequestMapping(path = "/v0/runs/{runId}/nodes/{name}", produces = MediaType.APPLICATION_JSON_VALUE,
        consumes = MediaType.APPLICATION_JSON_VALUE)
class NodesController {
    private static final Logger log = LoggerFactory.getLogger(NodesController.class);
    private static final Set<String> CONCLUSIONS = Set.of("SUCCESS", "FAIL", "ERROR");

    private final Repository repository;
    private final ApiMetrics metrics;

    NodesController(Repository repository, ApiMetrics metrics) {
        this.repository = repository;
        this.metrics = metrics;
    }

    @PostMapping("/claim")
    Envelopes.ClaimBody claim(@PathVariable String runId, @PathVariable String name,
                              @RequestBody Envelopes.ClaimRequest request) {
        if (request == null || request.agentId() == null || request.agentId().isBlank()) {
            throw new ApiException(ProblemType.INVALID_REQUEST, "agent_id is required.", Map.of("field", "agent_id"));
        }
        Claim given = request.claim();
        String id = given == null || given.id() == null || given.id().isBlank()
                ? UlidCreator.getMonotonicUlid().toString() : given.id();
        Claim claim = new Claim(id, given == null ? Map.of() : given.metadata());
        ClaimOutcome out = repository.claimNode(runId, name, request.agentId(), claim);
        metrics.claim(out.claimed());
        if (out.claimed()) {
            log.debug("run {} node {} claimed by {} ({})", runId, name, request.agentId(), id);
        }
        return new Envelopes.ClaimBody(out.claimed(), out.claim(), out.node());
    }

    @PostMapping("/finish")
    Envelopes.NodeBody finish(@PathVariable String runId, @PathVariable String name,
                              @RequestBody Envelopes.FinishRequest request) {
        if (request == null || request.claim() == null || request.claim().id() == null || request.claim().id().isBlank()) {
            throw new ApiException(ProblemType.INVALID_REQUEST, "claim.id is required: the claim that holds the node.",
                    Map.of("field", "claim.id"));
        }
        Envelopes.ResultBody r = request.result();
        if (r == null || r.conclusion() == null || !CONCLUSIONS.contains(r.conclusion().toUpperCase(Locale.ROOT))) {
            throw new ApiException(ProblemType.INVALID_REQUEST, "result.conclusion must be SUCCESS, FAIL or ERROR.",
                    Map.of("field", "result.conclusion"));
        }
        byte[] output = r.output() != null ? r.output()
                : r.outputText() != null ? r.outputText().getBytes(StandardCharsets.UTF_8) : null;
        Result result = new Result(Conclusion.valueOf(r.conclusion().toUpperCase(Locale.ROOT)), r.metadata(), output);
        try {
            Node node = repository.finishNode(runId, name, request.claim().id(), result);
            log.debug("run {} node {} finished {} -> {}", runId, name, result.conclusion(), node.status());
            metrics.finished(result.conclusion(), node.status());
            if (node.status() == io.adagio.model.NodeStatus.COMPLETED && repository.isRunCompleted(runId)) {
                io.adagio.model.Run run = repository.inspectRun(runId);
                log.info("run {} completed: {}", runId, run.outcome());
                metrics.runFinished(run.outcome());
            }
            return new Envelopes.NodeBody(node);
        } catch (io.adagio.repository.StaleClaimException e) {
            metrics.staleFinish();
            throw e;
        }
    }
}
