package io.adagio.repository.memory;

import io.adagio.model.Agent;
import io.adagio.repository.AgentLease;
import io.adagio.repository.LeaseNotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The agents' leases of the memory backend and the nodes each holds. A lease lives until its expiry on the
 * injected clock; one that ended (expired, unregistered, forced) is forgotten at once, with everything it
 * held handed to {@code orphan}. Not thread-safe: guarded by the repository's lock.
 */
final class MemoryLeases {
    private static final Logger log = LoggerFactory.getLogger(MemoryLeases.class);

    private final Clock clock;
    private final Consumer<List<NodeRef>> orphan;
    private final Map<String, Lease> leases = new HashMap<>();
    private final Map<NodeRef, String> holders = new HashMap<>();

    /** @param orphan told the nodes an ended lease held (RUNNING on it until then) */
    MemoryLeases(Clock clock, Consumer<List<NodeRef>> orphan) {
        this.clock = clock;
        this.orphan = orphan;
    }

    /** Leases kept (live, or ended and not yet swept), and nodes held on them. */
    int leaseCount() {
        return leases.size();
    }

    int heldCount() {
        return holders.size();
    }

    /** The agents whose leases live now, by id. */
    List<Agent> live() {
        Instant now = clock.instant();
        return leases.values().stream().filter(l -> l.expiresAt.isAfter(now)).map(l -> l.agent)
                .sorted(Comparator.comparing(Agent::id)).toList();
    }

    /** A fresh lease of {@code ttl}, keeping what the agent holds when its lease still lives. */
    AgentLease register(Agent agent, Duration ttl) {
        Lease lease = live(agent.id());
        if (lease == null) {
            lease = new Lease(agent);
            leases.put(agent.id(), lease);
        }
        lease.agent = agent;
        lease.ttl = ttl;
        lease.expiresAt = clock.instant().plus(ttl);
        return new AgentLease(agent, ttl);
    }

    /** @throws LeaseNotFoundException when the agent holds no live lease */
    AgentLease renew(String agentId) {
        Lease lease = require(agentId);
        lease.expiresAt = clock.instant().plus(lease.ttl);
        return new AgentLease(lease.agent, lease.ttl);
    }

    /** @throws LeaseNotFoundException when the agent holds no live lease */
    void requireLive(String agentId) {
        require(agentId);
    }

    /** Ends the agent's lease now; false when it had none. */
    boolean end(String agentId) {
        Lease lease = leases.get(agentId);
        if (lease != null) {
            drop(lease);
        }
        return lease != null;
    }

    /** Ends every lease whose time is up. */
    void expire() {
        Instant now = clock.instant();
        for (Lease l : List.copyOf(leases.values())) {
            if (!l.expiresAt.isAfter(now)) {
                log.info("lease of agent {} expired", l.agent.id());
                drop(l);
            }
        }
    }

    /** The node now lives on the agent's (live) lease. */
    void hold(NodeRef node, String agentId) {
        holders.put(node, agentId);
        require(agentId).running.add(node);
    }

    /** The node no longer lives on any lease (it finished). */
    void release(NodeRef node) {
        String holder = holders.remove(node);
        Lease lease = holder == null ? null : leases.get(holder);
        if (lease != null) {
            lease.running.remove(node);
        }
    }

    /**
     * Ends the lease of the node's holder when its time is up (orphaning what it held), so what follows sees
     * the node as the lease's end leaves it, whether or not the periodic {@link #expire} has run yet.
     */
    void expireHolderOf(NodeRef node) {
        String holder = holders.get(node);
        if (holder != null) {
            live(holder);
        }
    }

    /** The nodes the agent's live lease holds (none when it has no live lease). */
    List<NodeRef> held(String agentId) {
        Lease lease = live(agentId);
        if (lease == null) {
            return List.of();
        }
        List<NodeRef> out = new ArrayList<>();
        for (NodeRef ref : lease.running) {
            if (agentId.equals(holders.get(ref))) {
                out.add(ref);
            }
        }
        return out;
    }

    /** The agent holding the node on its lease, or null. */
    String holder(NodeRef node) {
        return holders.get(node);
    }

    /** The agent, while its lease lives. */
    Optional<Agent> agent(String agentId) {
        Lease lease = live(agentId);
        return lease == null ? Optional.empty() : Optional.of(lease.agent);
    }

    private Lease require(String agentId) {
        Lease lease = live(agentId);
        if (lease == null) {
            throw new LeaseNotFoundException(agentId);
        }
        return lease;
    }

    private Lease live(String agentId) {
        Lease lease = leases.get(agentId);
        if (lease != null && !lease.expiresAt.isAfter(clock.instant())) {
            drop(lease);
            return null;
        }
        return lease;
    }

    private void drop(Lease lease) {
        leases.remove(lease.agent.id());
        List<NodeRef> held = new ArrayList<>();
        for (NodeRef ref : lease.running) {
            if (lease.agent.id().equals(holders.get(ref))) {
                holders.remove(ref);
                held.add(ref);
            }
        }
        lease.running.clear();
        orphan.accept(held);
    }

    private static final class Lease {
        Agent agent;
        Duration ttl;
        Instant expiresAt;
        final Set<NodeRef> running = new HashSet<>();

        Lease(Agent agent) {
            this.agent = agent;
        }
    }
}
