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

    /** A claim with an id and no metadata. */
    public static Claim of(String id) {
        return new Claim(id, Map.of());
    }
}
