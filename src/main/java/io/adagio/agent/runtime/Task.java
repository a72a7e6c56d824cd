package io.adagio.agent.runtime;

import io.adagio.model.NodeSpec;
import io.adagio.model.Result;

import java.util.List;
import java.util.Map;

/**
 * One claimed node for a runtime to run.
 *
 * @param runId     the node's run
 * @param spec      the node's spec
 * @param inputs    upstream node name → its output
 * @param attempts  earlier attempts at this node
 * @param arguments the runtime's arguments, read from metadata and inputs
 * @param agentId   the agent running it (null when run outside an agent)
 */
public record Task(String runId, NodeSpec spec, Map<String, byte[]> inputs, List<Result> attempts, Arguments arguments,
                   String agentId) {

    /** A task whose arguments are read for the spec's runtime, run outside an agent. */
    public static Task of(String runId, NodeSpec spec, Map<String, byte[]> inputs, List<Result> attempts) {
        return of(runId, spec, inputs, attempts, null);
    }

    /** A task whose arguments are read for the spec's runtime, run by agent {@code agentId}. */
    public static Task of(String runId, NodeSpec spec, Map<String, byte[]> inputs, List<Result> attempts, String agentId) {
        Map<String, byte[]> in = inputs == null ? Map.of() : inputs;
        return new Task(runId, spec, in, attempts == null ? List.of() : attempts, new Arguments(spec, in), agentId);
    }
}
