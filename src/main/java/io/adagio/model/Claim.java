package io.adagio.model;

import java.util.Map;

/**
 * One attempt by one agent to hold a node; the id fences finishes.
 *
 * @param id       unique per claim (a ULID when the server makes it)
 * @param metadata whatever the claimer wants to record
 */
public record Claim(String id, Map<String, MetadataValues> metadata) {
    public Claim {
        metadata = metadata == null ? Map.of() : metadata;
    }

    /** The metadata key of the request id a claimer gave its claim (its retries carry the same). */
    public static final String REQUEST_ID = "adagio.request_id";

    /** The metadata key of the agent the claim was made for, recorded by the engine (never taken from the claimer). */
    public static final String AGENT_ID = "adagio.agent_id";

    /** The agent this claim was made for, or null (a claim recorded before agents were). */
    public String agentId() {
        MetadataValues v = metadata.get(AGENT_ID);
        return v == null || v.values().isEmpty() ? null : v.values().get(0);
    }

    /** This claim, recorded as made for {@code agentId} (whatever the metadata said before). */
    public Claim forAgent(String agentId) {
        Map<String, MetadataValues> m = new java.util.LinkedHashMap<>(metadata);
        m.put(AGENT_ID, MetadataValues.of(agentId));
        return new Claim(id, m);
    }

    /** The request id this claim was made for, or null. */
    public String requestId() {
        MetadataValues v = metadata.get(REQUEST_ID);
        return v == null || v.values().isEmpty() ? null : v.values().get(0);
    }

    /** Whether both claims were made for the same (non-null) request id. */
    public boolean sameRequestAs(Claim other) {
        String mine = requestId();
        return mine != null && other != null && mine.equals(other.requestId());
    }

    /**
     * A claim with an id made for a request id ({@link #REQUEST_ID}; null: none), by which a claim whose answer
     * was lost is found again.
     */
    public static Claim forRequest(String id, String requestId) {
        return new Claim(id, requestId == null ? Map.of() : Map.of(REQUEST_ID, MetadataValues.of(requestId)));
    }

    /** A claim with an id and no metadata. */
    public static Claim of(String id) {
        return new Claim(id, Map.of());
    }
}
