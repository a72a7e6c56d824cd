package io.adagio.control;

import java.util.Map;

/** A request refused because of what it says (a missing field, an invalid id), with the facts of the refusal. */
public final class InvalidRequestException extends RuntimeException {
    private final transient Map<String, Object> facts;

    public InvalidRequestException(String detail, Map<String, Object> facts) {
        super(detail);
        this.facts = Map.copyOf(facts);
    }

    /** What was wrong, by name (e.g. {@code field}, {@code agent_id}). */
    public Map<String, Object> facts() {
        return facts;
    }
}
