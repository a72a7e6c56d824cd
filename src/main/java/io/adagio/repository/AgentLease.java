package io.adagio.repository;

import io.adagio.model.Agent;

import java.time.Duration;

/**
 * A registered agent and its lease. The agent is listed, and may claim, while the lease lives.
 *
 * @param agent the agent
 * @param ttl   how long the lease lives without a heartbeat
 */
public record AgentLease(Agent agent, Duration ttl) {
}
