package io.adagio.api;

import io.adagio.config.ServesApi;
import io.adagio.control.Agents;
import io.adagio.model.AgentRuntime;
import io.adagio.repository.AgentLease;
import io.adagio.repository.LeaseNotFoundException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;
import java.util.Map;

/** Agents: list, register (a lease), heartbeat, unregister. The event stream is in {@link EventsController}. */
@RestController
@ServesApi
@RequestMapping(path = "/v0/agents", produces = MediaType.APPLICATION_JSON_VALUE)
class AgentsController {
    private final Agents agents;

    AgentsController(Agents agents) {
        this.agents = agents;
    }

    @GetMapping
    Envelopes.AgentsBody list() {
        return new Envelopes.AgentsBody(agents.list());
    }

    @PutMapping(path = "/{agentId}", consumes = MediaType.APPLICATION_JSON_VALUE)
    Envelopes.LeaseBody register(@PathVariable String agentId, @RequestBody(required = false) Envelopes.RegisterAgent body) {
        List<AgentRuntime> runtimes = body == null || body.runtimes() == null ? List.of() : body.runtimes();
        return lease(agents.register(agentId, runtimes));
    }

    @PostMapping("/{agentId}/heartbeat")
    Envelopes.LeaseBody heartbeat(@PathVariable String agentId) {
        try {
            return lease(agents.heartbeat(agentId));
        } catch (LeaseNotFoundException e) {
            throw new ApiException(ProblemType.LEASE_NOT_FOUND, e.getMessage(), Map.of("agent_id", agentId));
        }
    }

    @DeleteMapping("/{agentId}")
    ResponseEntity<Void> unregister(@PathVariable String agentId) {
        agents.unregister(agentId);
        return ResponseEntity.noContent().build();
    }

    private static Envelopes.LeaseBody lease(AgentLease lease) {
        return Envelopes.LeaseBody.of(lease);
    }
}
