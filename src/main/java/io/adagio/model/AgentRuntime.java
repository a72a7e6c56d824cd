package io.adagio.model;

/** A runtime an agent offers, as the original writes it: {@code {"name": "debug"}}. */
public record AgentRuntime(String name) {
}
