package io.adagio.model;

import java.util.List;

/**
 * A worker that runs nodes of the runtimes it lists.
 *
 * @param id       the agent's id, chosen by the agent
 * @param runtimes the runtimes it can execute
 */
public record Agent(String id, List<AgentRuntime> runtimes) {
    public Agent {
        runtimes = runtimes == null ? List.of() : List.copyOf(runtimes);
    }

    /** Whether this agent offers the runtime. */
    public boolean runs(String runtime) {
        for (AgentRuntime r : runtimes) {
            if (r.name().equals(runtime)) {
                return true;
            }
        }
        return false;
    }
}
