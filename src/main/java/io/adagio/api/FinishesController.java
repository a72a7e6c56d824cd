package io.adagio.api;

import io.adagio.config.ServesApi;
import io.adagio.control.BatchFinishes;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;

/**
 * {@code POST /v0/agents/{id}/finishes}: finish several nodes, each answered on its own, and get the next claims;
 * with {@code Prefer: return=minimal} ({@link ReturnPreference}) the outcomes come without the finished nodes.
 */
@RestController
@ServesApi
class FinishesController {
    private final BatchFinishes finishes;

    FinishesController(BatchFinishes finishes) {
        this.finishes = finishes;
    }

    @PostMapping(path = "/v0/agents/{agentId}/finishes", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    Envelopes.FinishesBody finish(@PathVariable String agentId, @RequestBody Envelopes.FinishesRequest request,
                                  @RequestHeader(name = ReturnPreference.PREFER, required = false) String prefer,
                                  HttpServletResponse response) {
        List<BatchFinishes.Item> items = request == null || request.finishes() == null ? null
                : request.finishes().stream().map(f -> new BatchFinishes.Item(f == null ? null : f.runId(),
                        f == null ? null : f.node(), f == null || f.claim() == null ? null : f.claim().id(),
                        NodesController.result(f == null ? null : f.result()))).toList();
        BatchFinishes.Answer a = finishes.finish(agentId, items,
                request == null || request.next() == null ? 0 : request.next());
        boolean minimal = ReturnPreference.applied(prefer, response);
        return new Envelopes.FinishesBody(
                a.results().stream().map(o -> new Envelopes.FinishOutcome(o.runId(), o.node(), o.outcome(),
                        minimal ? null : o.finished())).toList(),
                a.next().stream().map(Envelopes.ClaimBody::of).toList(),
                a.cancelled().stream().map(Envelopes.CancelledBody::of).toList());
    }
}
