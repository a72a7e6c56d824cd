package io.adagio.model;

import java.util.List;
import java.util.Map;

/**
 * One node of a graph: what runs it and with which arguments.
 *
 * @param name     unique within the graph
 * @param runtime  the kind of agent function that runs it (e.g. {@code debug}, {@code exec})
 * @param metadata runtime arguments and anything else, key → values
 * @param retry    condition ({@code fail} or {@code error}) → how many such attempts are allowed
 */
public record NodeSpec(String name, String runtime, Map<String, MetadataValues> metadata, Map<String, RetryRule> retry) {
    public NodeSpec {
        metadata = metadata == null ? Map.of() : metadata;
        retry = retry == null ? Map.of() : retry;
    }

    /** A node with no metadata and no retry rules. */
    public static NodeSpec of(String name, String runtime) {
        return new NodeSpec(name, runtime, Map.of(), Map.of());
    }

    /** The values of a metadata key, or an empty list. */
    public List<String> values(String key) {
        MetadataValues v = metadata.get(key);
        return v == null ? List.of() : v.values();
    }
}
