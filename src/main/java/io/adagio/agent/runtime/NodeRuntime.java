package io.adagio.agent.runtime;

import io.adagio.model.Result;

/**
 * Runs nodes of one runtime. Implement it as a Spring bean and list its {@link #name()} in
 * {@code adagio.agent.runtimes} to offer it:
 *
 * <pre>{@code
 * @Component
 * class Upper implements NodeRuntime {
 *     public String name() { return "upper"; }
 *     public Result run(Task task) {
 *         String text = task.arguments().one("text").orElse("");
 *         return Result.of(Conclusion.SUCCESS, text.toUpperCase());
 *     }
 * }
 * }</pre>
 *
 * A runtime returns SUCCESS or FAIL for work that ran; an exception thrown from {@link #run} becomes an
 * ERROR result (the system could not run the node), as a crash or a panic in the original does.
 */
public interface NodeRuntime {
    /** The runtime's name, as nodes name it in {@code runtime}. */
    String name();

    /**
     * Runs one node. May block; is interrupted when the agent shuts down.
     *
     * @throws Exception when the node cannot be run (becomes ERROR with the message as output)
     */
    Result run(Task task) throws Exception;
}
