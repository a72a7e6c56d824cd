package io.adagio.api;

import io.adagio.config.ServesApi;
import io.adagio.control.Nodes;
import io.adagio.model.Conclusion;
import io.adagio.model.Result;
import io.adagio.repository.ClaimOutcome;
import io.adagio.repository.Finished;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The agent side of a node: claim it, finish it. */
@RestController
@ServesApi
@RequestMapping(path = "/v0/runs/{runId}/nodes/{name}", produces = MediaType.APPLICATION_JSON_VALUE,
        consumes = MediaType.APPLICATION_JSON_VALUE)
class NodesController {
    private static final Set<String> CONCLUSIONS = Set.of("SUCCESS", "FAIL", "ERROR");

    private final Nodes nodes;

    NodesController(Nodes nodes) {
        this.nodes = nodes;
    }

    @PostMapping("/claim")
    Envelopes.ClaimBody claim(@PathVariable String runId, @PathVariable String name,
                              @RequestBody Envelopes.ClaimRequest request) {
        WebSecurity.requireAgent(request == null ? null : request.agentId(), "A claim");
        ClaimOutcome out = nodes.claim(runId, name, request == null ? null : request.agentId(),
                request == null ? null : request.claim());
        return Envelopes.ClaimBody.of(out);
    }

    @PostMapping("/finish")
    Envelopes.FinishBody finish(@PathVariable String runId, @PathVariable String name,
                                @RequestBody Envelopes.FinishRequest request,
                                @RequestHeader(name = ReturnPreference.PREFER, required = false) String prefer,
                                HttpServletResponse response) {
        String claimId = request == null || request.claim() == null ? null : request.claim().id();
        int next = request == null || request.next() == null ? 0 : request.next();
        // with tokens, a finish names its agent, which must hold the claim (the store checks) and be the token's
        WebSecurity.requireAgent(request == null ? null : request.agentId(), "A finish");
        Finished finished = nodes.finish(runId, name, claimId, result(request), request == null ? null : request.agentId(), next);
        boolean minimal = ReturnPreference.applied(prefer, response);
        List<Envelopes.ClaimBody> claimed = request == null || request.next() == null ? null
                : finished.next().stream().map(Envelopes.ClaimBody::of).toList();
        return new Envelopes.FinishBody(minimal ? null : finished.node(), claimed);
    }

    /**
     * A person completes a node no agent holds (WAITING, READY or orphaned) in its agents' place: a SUCCESS
     * attempt marked {@code adagio.completed_by_hand}, with the output given; its dependents proceed.
     */
    @PostMapping("/skip")
    Envelopes.FinishBody skip(@PathVariable String runId, @PathVariable String name,
                              @RequestBody(required = false) Envelopes.CompleteByHandRequest request) {
        byte[] output = request == null ? null : request.output() != null ? request.output()
                : request.outputText() != null ? request.outputText().getBytes(StandardCharsets.UTF_8) : null;
        return new Envelopes.FinishBody(nodes.completeByHand(runId, name, output), null);
    }

    private static Result result(Envelopes.FinishRequest request) {
        return result(request == null ? null : request.result());
    }

    /** A result as agents send it; the conclusion in any case. */
    static Result result(Envelopes.ResultBody r) {
        if (r == null || r.conclusion() == null || !CONCLUSIONS.contains(r.conclusion().toUpperCase(Locale.ROOT))) {
            throw new ApiException(ProblemType.INVALID_REQUEST, "result.conclusion must be SUCCESS, FAIL or ERROR.",
                    Map.of("field", "result.conclusion"));
        }
        byte[] output = r.output() != null ? r.output()
                : r.outputText() != null ? r.outputText().getBytes(StandardCharsets.UTF_8) : null;
        return new Result(Conclusion.valueOf(r.conclusion().toUpperCase(Locale.ROOT)), r.metadata(), output);
    }
}
