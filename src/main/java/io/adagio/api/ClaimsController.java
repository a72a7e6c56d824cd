package io.adagio.api;

import io.adagio.config.ServesApi;
import io.adagio.control.ReadyClaims;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** {@code POST /v0/agents/{id}/claims}: claim ready nodes in a batch, waiting (without a thread) for one. */
@RestController
@ServesApi
class ClaimsController {
    private final ReadyClaims claims;

    ClaimsController(ReadyClaims claims) {
        this.claims = claims;
    }

    @PostMapping(path = "/v0/agents/{agentId}/claims", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    DeferredResult<Envelopes.ClaimsBody> claim(@PathVariable String agentId,
                                               @RequestBody(required = false) Envelopes.ClaimsRequest request) {
        int max = request == null || request.max() == null ? 1 : request.max();
        Duration wait = wait(request == null ? null : request.waitFor());
        DeferredResult<Envelopes.ClaimsBody> result = new DeferredResult<>(wait.toMillis() + 30_000L);
        claims.claim(agentId, max, wait, request == null ? null : request.requestId()).whenComplete((won, error) -> {
            if (error != null) {
                result.setErrorResult(error instanceof Exception e ? e : new IllegalStateException(error));
            } else {
                result.setResult(new Envelopes.ClaimsBody(won.stream().map(Envelopes.ClaimBody::of).toList(),
                        cancelled(agentId)));
            }
        });
        return result;
    }

    /** The claims a batch claim with {@code request_id} made that the agent still holds (its answer was lost). */
    @GetMapping(path = "/v0/agents/{agentId}/claims", produces = MediaType.APPLICATION_JSON_VALUE)
    Envelopes.ClaimsBody held(@PathVariable String agentId,
                              @RequestParam(name = "request_id", required = false) String requestId) {
        return new Envelopes.ClaimsBody(claims.held(agentId, requestId).stream().map(Envelopes.ClaimBody::of).toList());
    }

    /** The agent's cancelled claims for the answer; none when the store cannot say now (its stream tells it too). */
    private List<Envelopes.CancelledBody> cancelled(String agentId) {
        try {
            return claims.cancelledFor(agentId).stream().map(Envelopes.CancelledBody::of).toList();
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    private static Duration wait(String text) {
        if (text == null || text.isBlank()) {
            return Duration.ZERO;
        }
        try {
            return DurationStyle.detectAndParse(text.trim());
        } catch (IllegalArgumentException e) {
            throw new ApiException(ProblemType.INVALID_REQUEST, "wait must be a duration such as \"3s\" or \"500ms\".",
                    Map.of("field", "wait"));
        }
    }
}
