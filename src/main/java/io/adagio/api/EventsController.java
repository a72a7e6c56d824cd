package io.adagio.api;

import io.adagio.config.ServesApi;
import io.adagio.control.Agents;
import io.adagio.control.AgentStreams;
import io.adagio.config.SseProperties;
import io.adagio.model.Agent;
import io.adagio.model.AgentRuntime;
import io.adagio.model.EventType;
import io.adagio.repository.Cursor;
import io.adagio.repository.LeaseNotFoundException;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /v0/agents/{id}/events}: an agent's event stream. Only nodes whose runtime the agent offers are
 * sent; first the current set, then live events; {@code Last-Event-ID} resumes.
 */
@RestController
@ServesApi
class EventsController {
    /** How often the stream gets a keep-alive, in milliseconds: a stream silent for much longer is dead. */
    static final String KEEP_ALIVE_HEADER = "Adagio-Keep-Alive";

    private final Agents agents;
    private final AgentStreams streams;
    private final SseProperties sse;

    EventsController(Agents agents, AgentStreams streams, SseProperties sse) {
        this.agents = agents;
        this.streams = streams;
        this.sse = sse;
    }

    @GetMapping(path = "/v0/agents/{agentId}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter events(@PathVariable String agentId,
                      @RequestParam(name = "type", required = false) List<String> types,
                      @RequestParam(name = "runtime", required = false) List<String> runtimes,
                      @RequestParam(name = "last_event_id", required = false) String lastEventIdParam,
                      @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
                      HttpServletResponse response) {
        ObserversController.refuseUnlessAccepting(streams);
        Set<EventType> wanted = parseTypes(types);
        Cursor after = Cursors.parse(lastEventId, lastEventIdParam);
        Agent agent = agentFor(agentId, runtimes);

        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no");
        response.setHeader(KEEP_ALIVE_HEADER, Long.toString(streams.keepAlive().toMillis()));
        SseEmitter emitter = new SseEmitter(0L);
        AgentStream stream = new AgentStream(agentId, WebSecurity.currentOwner(), emitter, sse.retry(), streams::remove);
        stream.attach(streams.open(agent, wanted, after, stream));
        return emitter;
    }

    private Agent agentFor(String agentId, List<String> runtimes) {
        if (runtimes != null && !runtimes.isEmpty()) {
            List<AgentRuntime> rs = runtimes.stream().flatMap(r -> java.util.Arrays.stream(r.split(",")))
                    .map(String::trim).filter(s -> !s.isEmpty()).distinct().map(AgentRuntime::new).toList();
            if (rs.isEmpty()) {
                throw new ApiException(ProblemType.INVALID_REQUEST, "runtime= names no runtime.", Map.of("parameter", "runtime"));
            }
            return agents.register(agentId, rs).agent();
        }
        try {
            return agents.heartbeat(agentId).agent(); // connecting is a call of the agent: it renews the lease
        } catch (LeaseNotFoundException e) {
            throw new ApiException(ProblemType.LEASE_NOT_FOUND, "Agent " + agentId + " is not registered: PUT /v0/agents/"
                    + agentId + " first, or pass runtime= to register while connecting.", Map.of("agent_id", agentId));
        }
    }

    private static Set<EventType> parseTypes(List<String> types) {
        if (types == null || types.isEmpty()) {
            return EventType.forAgents();
        }
        Set<EventType> out = EnumSet.noneOf(EventType.class);
        for (String t : types) {
            for (String one : t.split(",")) {
                try {
                    EventType type = EventType.valueOf(one.trim().toUpperCase(Locale.ROOT));
                    if (type.observed()) {
                        throw new ApiException(ProblemType.INVALID_REQUEST, type + " events are for observers, not agents: "
                                + "GET /v0/events or /v0/runs/{id}/events.", Map.of("parameter", "type"));
                    }
                    out.add(type);
                } catch (IllegalArgumentException e) {
                    throw new ApiException(ProblemType.INVALID_REQUEST,
                            "Unknown event type '" + one + "'; use NODE_READY, NODE_ORPHANED or NODE_CANCELLED.", Map.of("parameter", "type"));
                }
            }
        }
        return out;
    }
}
