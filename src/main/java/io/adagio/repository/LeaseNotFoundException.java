package io.adagio.repository;

/** The agent holds no live lease: it never registered, unregistered, or its lease expired. */
public final class LeaseNotFoundException extends RepositoryException {
    private final String agentId;

    public LeaseNotFoundException(String agentId) {
        super("Agent " + agentId + " holds no live lease; register it again.");
        this.agentId = agentId;
    }

    public String agentId() {
        return agentId;
    }
}
