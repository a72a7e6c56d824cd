package io.adagio.api;

import io.adagio.engine.InvalidGraphException;
import io.adagio.control.InvalidRequestException;
import io.adagio.control.TooLargeException;
import io.adagio.repository.BackendRefusedException;
import io.adagio.repository.BackendUnavailableException;
import io.adagio.repository.IdempotencyConflictException;
import io.adagio.repository.NodeNotSkippableException;
import io.adagio.repository.RunNotFinishedException;
import io.adagio.repository.OutcomeUnknownException;
import io.adagio.repository.LeaseNotFoundException;
import io.adagio.repository.NodeNotReadyException;
import io.adagio.repository.NotFoundException;
import io.adagio.repository.StaleClaimException;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.MismatchedInputException;

import java.net.URI;
import java.util.Map;

/**
 * The one place failures become RFC 9457 problems: every answer has a stable {@code type}, the right
 * status, and the facts as properties. 4xx are logged at WARN (debug for the routine ones), 5xx at ERROR;
 * transient storage failures are 503 with {@code Retry-After} and {@code retryable: true}; what the store refuses
 * for what it is (too large, full) is never retryable.
 */
@RestControllerAdvice
class ProblemHandler extends ResponseEntityExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

    @ExceptionHandler(InvalidGraphException.class)
    ResponseEntity<Object> invalidGraph(InvalidGraphException e) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
        p.setType(URI.create(ProblemType.BASE + e.violation().slug()));
        p.setTitle(e.violation().title());
        e.facts().forEach(p::setProperty);
        log.debug("graph rejected: {}", e.getMessage());
        return respond(p, null);
    }

    @ExceptionHandler(ApiException.class)
    ResponseEntity<Object> api(ApiException e) {
        if (e.type() == ProblemType.FORBIDDEN || e.type() == ProblemType.UNAUTHENTICATED) {
            // an agent call for an agent the token may not act as; a login with a token that is none of ours
            HttpHeaders h = new HttpHeaders();
            h.set("WWW-Authenticate", WebSecurity.REALM + (e.type() == ProblemType.FORBIDDEN
                    ? ", error=\"insufficient_scope\"" : ", error=\"invalid_token\""));
            return respond(detail(e.type(), e.getMessage(), e.facts()), h);
        }
        return problem(e.type(), e.getMessage(), e.facts());
    }

    @ExceptionHandler(InvalidRequestException.class)
    ResponseEntity<Object> invalid(InvalidRequestException e) {
        return problem(ProblemType.INVALID_REQUEST, e.getMessage(), e.facts());
    }

    @ExceptionHandler(TooLargeException.class)
    ResponseEntity<Object> tooLarge(TooLargeException e) {
        return problem(ProblemType.PAYLOAD_TOO_LARGE, e.getMessage(), Map.of("field", e.field(), "max_bytes", e.limit()));
    }

    @ExceptionHandler(io.adagio.control.TooManyStreamsException.class)
    ResponseEntity<Object> tooManyStreams(io.adagio.control.TooManyStreamsException e) {
        HttpHeaders h = new HttpHeaders();
        h.set(HttpHeaders.RETRY_AFTER, "5");
        return respond(detail(ProblemType.TOO_MANY_STREAMS, e.getMessage(), Map.of("token", e.token(),
                "max_streams", e.limit(), "retryable", true)), h);
    }

    @ExceptionHandler(NotFoundException.class)
    ResponseEntity<Object> notFound(NotFoundException e) {
        ProblemType type = switch (e.kind()) {
            case "run" -> ProblemType.RUN_NOT_FOUND;
            case "node" -> ProblemType.NODE_NOT_FOUND;
            default -> ProblemType.NOT_FOUND;
        };
        Map<String, Object> facts = new java.util.LinkedHashMap<>();
        switch (e.kind()) {
            case "run" -> facts.put("run_id", e.id());
            case "node" -> {
                int slash = e.id().indexOf('/'); // run ids are ULIDs and node names cannot contain '/'
                facts.put("run_id", slash < 0 ? e.id() : e.id().substring(0, slash));
                facts.put("node", slash < 0 ? e.id() : e.id().substring(slash + 1));
            }
            default -> facts.put(e.kind(), e.id());
        }
        return problem(type, e.getMessage(), facts);
    }

    @ExceptionHandler(NodeNotReadyException.class)
    ResponseEntity<Object> notReady(NodeNotReadyException e) {
        return problem(ProblemType.NODE_NOT_READY, e.getMessage(), Map.of("run_id", e.runId(), "node", e.node()));
    }

    @ExceptionHandler(StaleClaimException.class)
    ResponseEntity<Object> stale(StaleClaimException e) {
        return problem(ProblemType.STALE_CLAIM, e.getMessage(),
                Map.of("run_id", e.runId(), "node", e.node(), "claim_id", e.claimId()));
    }

    @ExceptionHandler(NodeNotSkippableException.class)
    ResponseEntity<Object> notSkippable(NodeNotSkippableException e) {
        return problem(ProblemType.NODE_NOT_SKIPPABLE, "Node " + e.node() + " of run " + e.runId() + " is " + e.status()
                + ": only a node no agent holds and not completed yet can be completed by hand. Nothing changed.",
                Map.of("run_id", e.runId(), "node", e.node(), "node_status", e.status().name()));
    }

    @ExceptionHandler(RunNotFinishedException.class)
    ResponseEntity<Object> notFinished(RunNotFinishedException e) {
        return problem(ProblemType.RUN_NOT_FINISHED, "Run " + e.runId() + " has not completed; only a completed run "
                + "can be deleted. Nothing changed.", Map.of("run_id", e.runId()));
    }

    @ExceptionHandler(io.adagio.repository.RunEndedException.class)
    ResponseEntity<Object> ended(io.adagio.repository.RunEndedException e) {
        return problem(ProblemType.RUN_ENDED, "Run " + e.runId() + " has ended " + e.outcome() + "; only a run not "
                + "completed can be cancelled or paused. Nothing changed.", Map.of("run_id", e.runId(), "outcome", e.outcome().name()));
    }

    @ExceptionHandler(io.adagio.engine.Retrying.RefusedException.class)
    ResponseEntity<Object> notRetryable(io.adagio.engine.Retrying.RefusedException e) {
        String runId = e.runId();
        if (e.refusal() == io.adagio.engine.Retrying.Refusal.NODE_NOT_RETRYABLE) {
            return problem(ProblemType.NODE_NOT_RETRYABLE, "Nothing was retried: " + e.getMessage() + ".",
                    Map.of("run_id", runId, "node", e.node()));
        }
        return problem(ProblemType.RUN_NOT_RETRYABLE, "Nothing was retried: " + e.getMessage() + ".",
                Map.of("run_id", runId));
    }

    @ExceptionHandler(io.adagio.repository.RunPausedException.class)
    ResponseEntity<Object> paused(io.adagio.repository.RunPausedException e) {
        return problem(ProblemType.RUN_PAUSED, "Run " + e.runId() + " is paused: none of its nodes is claimed until it is "
                + "resumed (POST /v0/runs/" + e.runId() + "/resume). Nothing changed.", Map.of("run_id", e.runId()));
    }

    @ExceptionHandler(IdempotencyConflictException.class)
    ResponseEntity<Object> keyReused(IdempotencyConflictException e) {
        return problem(ProblemType.IDEMPOTENCY_KEY_REUSED, "This Idempotency-Key started run " + e.runId()
                + " with another graph; nothing was started. Use a new key for a new graph.", Map.of("run_id", e.runId()));
    }

    @ExceptionHandler(LeaseNotFoundException.class)
    ResponseEntity<Object> noLease(LeaseNotFoundException e) {
        return problem(ProblemType.AGENT_NOT_REGISTERED, e.getMessage(), Map.of("agent_id", e.agentId()));
    }

    /**
     * The store could not be reached or did not answer: repeating is safe (every call answered so is a read, or a
     * write that is idempotent or guarded), so retryable with {@code Retry-After}. A write's answer also says
     * whether it may have happened nevertheless ({@code may_have_happened}: a claim may then hold the node — ask
     * with its request id; a finish sent again records nothing more).
     */
    @ExceptionHandler(BackendUnavailableException.class)
    ResponseEntity<Object> unavailable(BackendUnavailableException e, HttpServletRequest request) {
        log.error("storage unavailable: {}", e.getMessage());
        Map<String, Object> facts = new java.util.LinkedHashMap<>();
        facts.put("retryable", true);
        String method = request == null ? "GET" : request.getMethod();
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            facts.put("may_have_happened", e.mayHaveApplied());
        }
        ProblemDetail p = detail(ProblemType.BACKEND_UNAVAILABLE, e.getMessage(), facts);
        HttpHeaders h = new HttpHeaders();
        h.set(HttpHeaders.RETRY_AFTER, "1");
        return respond(p, h);
    }

    /**
     * A start whose write may or may not take effect: repeating it could start a second run, so it is not
     * retryable; the run id says where to look ({@code GET /v0/runs/{id}}: 200 once it started; a 404 can still turn
     * into a 200 while the write is in flight in the store).
     */
    @ExceptionHandler(OutcomeUnknownException.class)
    ResponseEntity<Object> unknown(OutcomeUnknownException e) {
        log.error("storage did not answer; outcome unknown: {}", e.getMessage());
        return problem(ProblemType.OUTCOME_UNKNOWN, "The store did not answer, so whether run " + e.runId()
                + " started is not known; GET /v0/runs/" + e.runId() + " tells (a 404 can still turn into a 200 while "
                + "the write is in flight in the store). Do not repeat the request: it would start another run.", Map.of("retryable", false, "run_id", e.runId()));
    }

    /**
     * The store refused the request for what it is: repeating it cannot help, so never 503 or retryable. Too
     * large is 413; a full store 507 (writes work again once it is compacted); anything else is this service's
     * bug (a request it should not have made), 500.
     */
    @ExceptionHandler(BackendRefusedException.class)
    ResponseEntity<Object> refused(BackendRefusedException e) {
        return switch (e.reason()) {
            case TOO_LARGE -> problem(ProblemType.PAYLOAD_TOO_LARGE,
                    "The store refused to write it as too large: " + e.getMessage(), Map.of("retryable", false));
            case NO_SPACE -> {
                log.error("storage full: {}", e.getMessage());
                yield problem(ProblemType.BACKEND_FULL, "The store is out of space and takes no writes until it is "
                        + "compacted: " + e.getMessage(), Map.of("retryable", false));
            }
            case OTHER -> {
                log.error("storage refused a request", e);
                yield problem(ProblemType.INTERNAL_ERROR, "An unexpected error occurred; it has been logged.", Map.of());
            }
        };
    }

    /** The client went away while its answer was being written: nothing to answer, and no bug. */
    @ExceptionHandler(org.apache.catalina.connector.ClientAbortException.class)
    void gone(Exception e) {
        log.debug("the client went away: {}", e.toString());
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> bug(Exception e) {
        log.error("unexpected failure", e);
        return problem(ProblemType.INTERNAL_ERROR, "An unexpected error occurred; it has been logged.", Map.of());
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex, HttpHeaders headers,
                                                                  HttpStatusCode status, WebRequest request) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof PayloadTooLargeException big) {
                return problem(ProblemType.PAYLOAD_TOO_LARGE, big.getMessage(), Map.of("max_bytes", big.limit()));
            }
        }
        if (request instanceof org.springframework.web.context.request.ServletWebRequest w
                && "/v0/session".equals(w.getRequest().getRequestURI())) {
            // a login's body holds a token: the parser's message would quote it back (and into the logs)
            return problem(ProblemType.MALFORMED_REQUEST, "A login's body is JSON: {\"token\": \"…\"}.", Map.of());
        }
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof JacksonException j) {
                String path = jsonPath(j);
                String where = j.getLocation() == null || j.getLocation().getLineNr() < 0 ? ""
                        : " (line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr() + ")";
                String message = j instanceof MismatchedInputException m && m.getTargetType() != null
                        ? "expected " + jsonKind(m.getTargetType())
                        : firstLine(j.getOriginalMessage());
                return problem(ProblemType.MALFORMED_REQUEST,
                        (path.isEmpty() ? "Malformed JSON" : "Wrong value at " + path) + where + ": " + message,
                        path.isEmpty() ? Map.of() : Map.of("path", path));
            }
        }
        return problem(ProblemType.MALFORMED_REQUEST, "The request body is missing or is not valid JSON.", Map.of());
    }

    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception ex, Object body, HttpHeaders headers,
                                                             HttpStatusCode statusCode, WebRequest request) {
        ProblemType type = typeFor(ex, statusCode);
        ProblemDetail p = body instanceof ProblemDetail pd ? pd : ProblemDetail.forStatus(statusCode);
        p.setType(type.uri());
        if (p.getTitle() == null || p.getTitle().equals(HttpStatus.valueOf(statusCode.value()).getReasonPhrase())) {
            p.setTitle(type.title());
        }
        if (p.getDetail() == null) {
            p.setDetail(ex.getMessage());
        }
        if (statusCode.is5xxServerError()) {
            log.error("request failed", ex);
        } else {
            log.debug("request refused: {}", ex.getMessage());
        }
        return respond(p, headers);
    }

    private static ProblemType typeFor(Exception ex, HttpStatusCode status) {
        if (ex instanceof HttpRequestMethodNotSupportedException) {
            return ProblemType.METHOD_NOT_ALLOWED;
        }
        if (ex instanceof HttpMediaTypeNotSupportedException) {
            return ProblemType.UNSUPPORTED_MEDIA_TYPE;
        }
        if (ex instanceof HttpMediaTypeNotAcceptableException) {
            return ProblemType.NOT_ACCEPTABLE;
        }
        if (ex instanceof NoResourceFoundException || status.value() == 404) {
            return ProblemType.NOT_FOUND;
        }
        if (status.value() == 413) {
            return ProblemType.PAYLOAD_TOO_LARGE;
        }
        if (status.is4xxClientError()) {
            return ProblemType.INVALID_REQUEST;
        }
        return ProblemType.INTERNAL_ERROR;
    }

    static ProblemDetail detail(ProblemType type, String detail, Map<String, Object> facts) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(type.status(), detail);
        p.setType(type.uri());
        p.setTitle(type.title());
        facts.forEach(p::setProperty);
        return p;
    }

    private ResponseEntity<Object> problem(ProblemType type, String detail, Map<String, Object> facts) {
        if (type.status().is4xxClientError()) {
            log.debug("{}: {}", type.status().value(), detail);
        }
        return respond(detail(type, detail, facts), null);
    }

    private static ResponseEntity<Object> respond(ProblemDetail p, HttpHeaders headers) {
        HttpHeaders h = new HttpHeaders();
        if (headers != null) {
            h.putAll(headers);
        }
        h.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        return new ResponseEntity<>(p, h, HttpStatusCode.valueOf(p.getStatus()));
    }

    private static String jsonPath(JacksonException j) {
        StringBuilder sb = new StringBuilder();
        for (JacksonException.Reference r : j.getPath()) {
            if (r.getPropertyName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(r.getPropertyName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /** What a Java target type is called in JSON, so no class name reaches a client. */
    private static String jsonKind(Class<?> type) {
        if (type.isArray() && type != byte[].class || java.util.Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        if (type == String.class || type == byte[].class || type.isEnum()) {
            return type == byte[].class ? "a base64 string" : "a string";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type.isPrimitive() || Number.class.isAssignableFrom(type)) {
            return "a number";
        }
        return "an object";
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable input";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        int noise = line.indexOf(" (start marker at [Source");
        return noise < 0 ? line : line.substring(0, noise);
    }
}
