package io.adagio.control;

import io.adagio.engine.NodeNames;
import io.adagio.model.Agent;
import io.adagio.model.AgentRuntime;
import io.adagio.repository.AgentLease;
import io.adagio.repository.LeaseNotFoundException;
import io.adagio.repository.Recent;
import io.adagio.repository.Repository;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Agents and their leases: the one place an agent is registered (by its own call, by connecting its stream
 * with {@code runtime=}, or again when its lease was lost), with the configured TTL.
 */
public final class Agents {
    /** Calls renew a lease at most once per this fraction of the TTL ({@link #touch}). */
    private static final int TOUCH_EVERY = 10;

    private final Repository repository;
    private final Duration ttl;
    /** How recent a renewal spares {@link #touch} another: a tenth of the TTL, computed once (BigDecimal). */
    private final Duration touchWithin;
    private final Clock clock;
    private final List<Consumer<String>> onUnregister = new CopyOnWriteArrayList<>();
    /** The lease each agent's last renewal here answered, and when; forgotten two TTLs after (a dead agent's). */
    private final Recent<AgentLease> renewed;

    public Agents(Repository repository, Duration ttl, Clock clock) {
        this.repository = repository;
        this.ttl = ttl;
        this.touchWithin = ttl.dividedBy(TOUCH_EVERY);
        this.clock = clock;
        this.renewed = new Recent<>(clock, ttl.multipliedBy(2));
    }

    /** How many agents this process remembers a renewal of (a dead agent's is forgotten two TTLs after it). */
    int remembered() {
        return renewed.size();
    }

    /** The lease TTL given to agents. */
    public Duration ttl() {
        return ttl;
    }

    public List<Agent> list() {
        return repository.listAgents();
    }

    /** The agent if its lease lives. */
    public Optional<Agent> find(String agentId) {
        return repository.listAgents().stream().filter(a -> a.id().equals(agentId)).findFirst();
    }

    /**
     * Registers the agent with its runtimes (or again, with new ones) and a fresh lease.
     *
     * @throws InvalidRequestException when the id is not a valid name or the agent offers no runtime
     */
    public AgentLease register(String agentId, List<AgentRuntime> runtimes) {
        return register(agent(agentId, runtimes));
    }

    /** Registers an agent already validated (as {@link #register(String, List)} made it). */
    public AgentLease register(Agent agent) {
        AgentLease lease = repository.registerAgent(agent, ttl);
        renewed.put(agent.id(), lease);
        return lease;
    }

    /** @throws LeaseNotFoundException when the lease is gone: the agent must register again */
    public AgentLease heartbeat(String agentId) {
        try {
            AgentLease lease = repository.heartbeat(agentId);
            renewed.put(agentId, lease);
            return lease;
        } catch (LeaseNotFoundException e) {
            renewed.remove(agentId);
            throw e;
        }
    }

    /**
     * The renewal every protocol v2 call makes: a {@link #heartbeat}, unless this process renewed the lease less
     * than a tenth of the TTL ago (then it still has nine tenths of it, and a renewal would only cost a round
     * trip to the store per claim and finish). A lease ended meanwhile by someone else shows at the call's next
     * write, which needs it.
     *
     * @throws LeaseNotFoundException when the lease is gone: the agent must register again
     */
    public AgentLease touch(String agentId) {
        return renewed.within(agentId, touchWithin).orElseGet(() -> heartbeat(agentId));
    }

    /** Ends the agent's lease (its RUNNING nodes are orphaned) and tells who asked ({@link #onUnregister}). */
    public void unregister(String agentId) {
        renewed.remove(agentId);
        repository.unregisterAgent(agentId);
        onUnregister.forEach(l -> l.accept(agentId));
    }

    /** Told the id of every agent that unregisters. */
    public void onUnregister(Consumer<String> listener) {
        onUnregister.add(listener);
    }

    private static Agent agent(String agentId, List<AgentRuntime> runtimes) {
        List<AgentRuntime> rs = runtimes == null ? List.of() : runtimes;
        if (rs.isEmpty()) {
            throw new InvalidRequestException(
                    "An agent must offer at least one runtime: {\"runtimes\": [{\"name\": \"debug\"}]}.",
                    Map.of("agent_id", String.valueOf(agentId)));
        }
        NodeNames.problem(agentId).ifPresent(p -> {
            throw new InvalidRequestException("Invalid agent id: " + p + ".", Map.of("agent_id", String.valueOf(agentId)));
        });
        for (AgentRuntime r : rs) {
            if (r == null || r.name() == null || r.name().isBlank()) {
                throw new InvalidRequestException("Every runtime needs a name.", Map.of("agent_id", agentId));
            }
        }
        return new Agent(agentId, rs);
    }
}
