package io.adagio.repository.etcd;

import java.util.Optional;

/**
 * The lease of the agent a call is for, known from {@link EtcdAgents#known} (this replica's recent view) and
 * read again when it turns out to be different or ended.
 */
final class AgentHolder {
    private final EtcdAgents agents;
    private final String agentId;
    private Optional<EtcdCodec.StoredAgent> agent;
    private boolean fresh;

    AgentHolder(EtcdAgents agents, String agentId) {
        this.agents = agents;
        this.agentId = agentId;
    }

    Optional<EtcdCodec.StoredAgent> agent() {
        if (agent == null) {
            agent = agents.known(agentId);
        }
        return agent;
    }

    /** The agent's lease id, -1 when it has none. */
    long lease() {
        return agent().map(EtcdCodec.StoredAgent::leaseId).orElse(-1L);
    }

    /** Whether a running key on {@code lease} is held by this agent (reading the agent again when unsure). */
    boolean holds(long runningLease) {
        if (lease() == runningLease) {
            return true;
        }
        if (!fresh) {
            fresh = true;
            agent = agents.stored(agentId);
            return lease() == runningLease;
        }
        return false;
    }

    /** A write with the lease failed because it ended: read the agent once more (it may hold a new one). */
    void ended() {
        agents.forget(agentId);
        agent = fresh ? Optional.empty() : agents.stored(agentId);
        fresh = true;
    }
}
