package io.adagio.api;

import org.springframework.http.HttpStatus;

import java.net.URI;

/**
 * Every problem {@code type} the API answers with. The URIs are stable: clients may switch on them.
 * Graph validation problems use {@code <BASE><violation slug>} (see {@code GraphViolation}).
 */
public enum ProblemType {
    MALFORMED_REQUEST("malformed-request", HttpStatus.BAD_REQUEST, "Malformed request body"),
    INVALID_REQUEST("invalid-request", HttpStatus.BAD_REQUEST, "Invalid request"),
    RUN_NOT_FOUND("run-not-found", HttpStatus.NOT_FOUND, "Run not found"),
    NODE_NOT_FOUND("node-not-found", HttpStatus.NOT_FOUND, "Node not found"),
    LEASE_NOT_FOUND("lease-not-found", HttpStatus.NOT_FOUND, "Agent lease not found"),
    NOT_FOUND("not-found", HttpStatus.NOT_FOUND, "Not found"),
    UNAUTHENTICATED("unauthenticated", HttpStatus.UNAUTHORIZED, "Authentication required"),
    FORBIDDEN("forbidden", HttpStatus.FORBIDDEN, "Forbidden"),
    CSRF("csrf", HttpStatus.FORBIDDEN, "CSRF token missing or invalid"),
    METHOD_NOT_ALLOWED("method-not-allowed", HttpStatus.METHOD_NOT_ALLOWED, "Method not allowed"),
    NOT_ACCEPTABLE("not-acceptable", HttpStatus.NOT_ACCEPTABLE, "Not acceptable"),
    NODE_NOT_READY("node-not-ready", HttpStatus.CONFLICT, "Node not ready"),
    STALE_CLAIM("stale-claim", HttpStatus.CONFLICT, "Stale claim"),
    NODE_NOT_SKIPPABLE("node-not-skippable", HttpStatus.CONFLICT, "Node not skippable"),
    AGENT_NOT_REGISTERED("agent-not-registered", HttpStatus.CONFLICT, "Agent not registered"),
    RUN_NOT_FINISHED("run-not-finished", HttpStatus.CONFLICT, "Run not finished"),
    RUN_ENDED("run-ended", HttpStatus.CONFLICT, "Run ended"),
    RUN_PAUSED("run-paused", HttpStatus.CONFLICT, "Run paused"),
    RUN_NOT_RETRYABLE("run-not-retryable", HttpStatus.CONFLICT, "Run not retryable"),
    NODE_NOT_RETRYABLE("node-not-retryable", HttpStatus.CONFLICT, "Node not retryable"),
    IDEMPOTENCY_KEY_REUSED("idempotency-key-reused", HttpStatus.CONFLICT, "Idempotency key reused"),
    PAYLOAD_TOO_LARGE("payload-too-large", HttpStatus.CONTENT_TOO_LARGE, "Request body too large"),
    REQUEST_HEADER_TOO_LARGE("request-header-too-large", HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Request header too large"),
    BACKEND_FULL("backend-full", HttpStatus.INSUFFICIENT_STORAGE, "Store full"),
    RATE_LIMITED("rate-limited", HttpStatus.TOO_MANY_REQUESTS, "Too many starts"),
    TOO_MANY_STREAMS("too-many-streams", HttpStatus.TOO_MANY_REQUESTS, "Too many event streams"),
    UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
    SHUTTING_DOWN("shutting-down", HttpStatus.SERVICE_UNAVAILABLE, "Shutting down"),
    BACKEND_UNAVAILABLE("backend-unavailable", HttpStatus.SERVICE_UNAVAILABLE, "Storage unavailable"),
    OUTCOME_UNKNOWN("outcome-unknown", HttpStatus.SERVICE_UNAVAILABLE, "Outcome unknown"),
    INTERNAL_ERROR("internal-error", HttpStatus.INTERNAL_SERVER_ERROR, "Internal error");

    /** The prefix of every problem type URI. */
    public static final String BASE = "https://adagio.dev/problems/";

    private final String slug;
    private final HttpStatus status;
    private final String title;

    ProblemType(String slug, HttpStatus status, String title) {
        this.slug = slug;
        this.status = status;
        this.title = title;
    }

    public URI uri() {
        return URI.create(BASE + slug);
    }

    public HttpStatus status() {
        return status;
    }

    public String title() {
        return title;
    }
}
