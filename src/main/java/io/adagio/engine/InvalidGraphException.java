package io.adagio.engine;

import java.util.Map;

/** A graph was rejected before anything was stored. Carries the violation and its facts (offending nodes, the cycle). */
public final class InvalidGraphException extends RuntimeException {
    private final GraphViolation violation;
    private final transient Map<String, Object> facts;

    public InvalidGraphException(GraphViolation violation, String detail, Map<String, Object> facts) {
        super(detail);
        this.violation = violation;
        this.facts = Map.copyOf(facts);
    }

    public GraphViolation violation() {
        return violation;
    }

    /** Problem properties naming what is wrong, e.g. {@code nodes}, {@code edges}, {@code cycle}. */
    public Map<String, Object> facts() {
        return facts;
    }
}
