package io.adagio.api;

import io.adagio.config.LeaseProperties;
import io.adagio.config.ServesApi;
import io.adagio.engine.NodeNames;
import io.adagio.model.Agent;
import io.adagio.model.AgentRuntime;
import io.adagio.repository.AgentLease;
import io.adagio.repository.LeaseNotFoundException;
import io.adagio.repository.Repository;
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
    private final Repository repository;
    private final LeaseProperties leases;
    private final AgentStreams streams;

    AgentsController(Repository repository, LeaseProperties leases, AgentStreams streams) {
        this.repository = repository;
        this.leases = leases;
        this.streams = streams;
    }

    @GetMapping
    Envelopes.AgentsBody list() {
        return new Envelopes.AgentsBody(repository.listAgents());
    }

    @PutMapping(path = "/{agentId}", consumes = MediaType.APPLICATION_JSON_VALUE)
    Envelopes.LeaseBody register(@PathVariable String agentId, @RequestBody(required = false) Envelopes.RegisterAgent body) {
        List<AgentRuntime> runtimes = body == null || body.runtimes() == null ? List.of() : body.runtimes();
        if (runtimes.isEmpty()) {
            throw new ApiException(ProblemType.INVALID_REQUEST,
                    "An agent must offer at least one runtime: {\"runtimes\": [{\"name\": \"debug\"}]}.",
                    Map.of("agent_id", agentId));
        }
        return lease(repository.registerAgent(agent(agentId, runtimes), leases.ttl()));
    }

    @PostMapping("/{agentId}/heartbeat")
    Envelopes.LeaseBody heartbeat(@PathVariable String agentId) {
        try {
            return lease(repository.heartbeat(agentId));
        } catch (LeaseNotFoundException e) {
            throw new ApiException(ProblemType.LEASE_NOT_FOUND, e.getMessage(), Map.of("agent_id", agentId));
        }
    }

    @DeleteMapping("/{agentId}")
    ResponseEntity<Void> unregister(@PathVariable String agentId) {
        repository.unregisterAgent(agentId);
        streams.closeAll(agentId);
        return ResponseEntity.noContent().build();
    }

    /** Validates an agent id and runtimes from a request. */
    static Agent agent(String agentId, List<AgentRuntime> runtimes) {
        NodeNames.problem(agentId).ifPresent(p -> {
            throw new ApiException(ProblemType.INVALID_REQUEST, "Invalid agent id: " + p + ".", Map.of("agent_id", agentId));
        });
        List<AgentRuntime> rs = runtimes == null ? List.of() : runtimes;
        for (AgentRuntime r : rs) {
            if (r == null || r.name() == null || r.name().isBlank()) {
                throw new ApiException(ProblemType.INVALID_REQUEST, "Every runtime needs a name.", Map.of("agent_id", agentId));
            }
        }
        return new Agent(agentId, rs);
    }

    private static Envelopes.LeaseBody lease(AgentLease lease) {
        return new Envelopes.LeaseBody(lease.agent(), lease.ttl().toSeconds());
    }
}
