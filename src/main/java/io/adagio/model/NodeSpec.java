package io.adagio.model;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/**
 * One node of a graph: what runs it and with which arguments.
 *
 * @param name     unique within the graph
 * @param runtime  the kind of agent function that runs it (e.g. {@code debug}, {@code exec})
 * @param metadata runtime arguments and anything else, key → values
 * @param retry    condition ({@code fail} or {@code error}) → how many such attempts are allowed
 * @param trigger  when it becomes READY: {@value #ALL_SUCCESS} (null: the default) once every upstream node
 *                 succeeded, or {@value #ALL_DONE} once every upstream node finished whatever its conclusion (for
 *                 clean-up work); a field the original ignores
 * @param timeout  how long one attempt may run (a duration such as {@code "30s"}): a RUNNING node past it is finished
 *                 ERROR "timed out" and its retry rules apply; null: no limit; a field the original ignores
 */
public record NodeSpec(String name, String runtime, Map<String, MetadataValues> metadata, Map<String, RetryRule> retry,
                       @JsonInclude(JsonInclude.Include.NON_NULL) String trigger,
                       @JsonInclude(JsonInclude.Include.NON_NULL) String timeout) {
    /** The default trigger: READY once every upstream node succeeded (a failure upstream skips it). */
    public static final String ALL_SUCCESS = "all_success";
    /** READY once every upstream node finished, succeeded, failed or skipped. */
    public static final String ALL_DONE = "all_done";

    public NodeSpec {
        metadata = metadata == null ? Map.of() : metadata;
        retry = retry == null ? Map.of() : retry;
    }

    /** A node with the default trigger. */
    public NodeSpec(String name, String runtime, Map<String, MetadataValues> metadata, Map<String, RetryRule> retry) {
        this(name, runtime, metadata, retry, null, null);
    }

    /** A node with a trigger and no timeout. */
    public NodeSpec(String name, String runtime, Map<String, MetadataValues> metadata, Map<String, RetryRule> retry,
                    String trigger) {
        this(name, runtime, metadata, retry, trigger, null);
    }

    /** Whether it runs once its upstream finished whatever happened there ({@value #ALL_DONE}). */
    public boolean runsWhateverHappened() {
        return ALL_DONE.equals(trigger);
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
