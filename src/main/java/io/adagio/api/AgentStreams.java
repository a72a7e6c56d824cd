package io.adagio.api;

import io.adagio.config.LeaseProperties;
import io.adagio.config.ServesApi;
import io.adagio.config.SseProperties;
import io.adagio.model.Agent;
import io.adagio.repository.LeaseNotFoundException;
import io.adagio.repository.Repository;
import io.adagio.repository.RepositoryException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The open agent streams of this replica. Sends their keep-alive comments, keeps the leases of agents with an
 * open stream alive (an open stream is proof of life), and completes every stream when the service shuts
 * down so shutdown is not held up by long-lived connections.
 */
@Component
@ServesApi
class AgentStreams implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(AgentStreams.class);

    private final Repository repository;
    private final SseProperties sse;
    private final Duration ttl;
    private final Map<String, Set<AgentStream>> byAgent = new ConcurrentHashMap<>();
    private final Map<String, Agent> agents = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private volatile boolean accepting = true;

    AgentStreams(Repository repository, SseProperties sse, LeaseProperties leases, MeterRegistry registry) {
        this.repository = repository;
        this.sse = sse;
        this.ttl = leases.ttl();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "adagio-sse-keepalive");
            t.setDaemon(true);
            return t;
        });
        // An open stream renews its agent's lease; a comment is written on every renewal so a dead client is
        // noticed (a write fails) within two ticks, and its lease then ends within about TTL + TTL/3.
        long renewMs = Math.max(100, Math.min(ttl.toMillis() / 6, sse.heartbeat().toMillis()));
        timer.scheduleWithFixedDelay(this::renewLeases, renewMs, renewMs, TimeUnit.MILLISECONDS);
        Gauge.builder("adagio.sse.streams", this, AgentStreams::openCount).description("Open agent event streams").register(registry);
    }

    /** False once shutdown began: new streams are refused (503) so clients go to another replica. */
    boolean accepting() {
        return accepting;
    }

    void add(Agent agent, AgentStream stream) {
        agents.put(agent.id(), agent);
        byAgent.computeIfAbsent(agent.id(), k -> ConcurrentHashMap.newKeySet()).add(stream);
    }

    void remove(AgentStream stream) {
        byAgent.computeIfPresent(stream.agentId(), (k, set) -> {
            set.remove(stream);
            return set.isEmpty() ? null : set;
        });
    }

    /** Completes every stream of an agent (it unregistered). */
    void closeAll(String agentId) {
        Set<AgentStream> set = byAgent.remove(agentId);
        agents.remove(agentId);
        if (set != null) {
            set.forEach(AgentStream::complete);
        }
    }

    int openCount() {
        return byAgent.values().stream().mapToInt(Set::size).sum();
    }

    private void renewLeases() {
        for (Map.Entry<String, Set<AgentStream>> entry : byAgent.entrySet()) {
            String agentId = entry.getKey();
            boolean alive = false;
            for (AgentStream s : List.copyOf(entry.getValue())) {
                alive |= s.ping();
            }
            if (!alive) {
                continue;
            }
            try {
                repository.heartbeat(agentId);
            } catch (LeaseNotFoundException e) {
                Agent agent = agents.get(agentId);
                if (agent != null && byAgent.containsKey(agentId)) {
                    log.warn("lease of agent {} was lost while its stream is open; registering it again", agentId);
                    repository.registerAgent(agent, ttl);
                }
            } catch (RepositoryException | IllegalStateException e) {
                log.warn("could not renew the lease of agent {}: {}", agentId, e.getMessage());
            }
        }
    }

    @Override
    public void start() {
        accepting = true;
    }

    @Override
    public boolean isRunning() {
        return accepting;
    }

    /** Stops just after the agent pool and before the web server, so its graceful shutdown is not held up. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 1;
    }

    @Override
    public void stop() {
        accepting = false;
        timer.shutdownNow();
        int n = openCount();
        for (String agentId : List.copyOf(byAgent.keySet())) {
            Set<AgentStream> set = byAgent.remove(agentId);
            if (set != null) {
                set.forEach(AgentStream::complete);
            }
        }
        if (n > 0) {
            log.info("completed {} open agent streams for shutdown", n);
        }
    }
}
