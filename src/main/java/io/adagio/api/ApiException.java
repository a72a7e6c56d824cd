package io.adagio.api;

import java.util.Map;

/** A request the API refuses for a reason of its own (bad parameter, missing field), with problem facts. */
final class ApiException extends RuntimeException {
    private final ProblemType type;
    private final transient Map<String, Object> facts;

    ApiException(ProblemType type, String detail) {
        this(type, detail, Map.of());
    }

    ApiException(ProblemType type, String detail, Map<String, Object> facts) {
        super(detail);
        this.type = type;
        this.facts = facts;
    }

    ProblemType type() {
        return type;
    }

    Map<String, Object> facts() {
        return facts;
    }
}
