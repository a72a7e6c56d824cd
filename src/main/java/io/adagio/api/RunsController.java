package io.adagio.api;

import io.adagio.config.ServesApi;
import io.adagio.control.Runs;
import io.adagio.model.RunOutcome;
import io.adagio.model.RunStatus;
import io.adagio.repository.RunPage;
import io.adagio.repository.RunQuery;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs: start, list, inspect, one node, and the run as a Graphviz graph. */
@RestController
@ServesApi
@RequestMapping(path = "/v0/runs", produces = MediaType.APPLICATION_JSON_VALUE)
class RunsController {
    private final Runs runs;

    RunsController(Runs runs) {
        this.runs = runs;
    }

    /** The header naming a start, so that repeating it answers the same run. */
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    /** Set on an answer that is a run started earlier with the same idempotency key. */
    static final String REPLAYED = "Idempotent-Replayed";

    /** The original's start call: 200 with the new run (or, for a repeated idempotency key, the earlier one). */
    @PutMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Envelopes.RunBody> start(@RequestBody Envelopes.StartRun request,
                                            @RequestHeader(name = IDEMPOTENCY_KEY, required = false) String key) {
        Runs.View started = runs.start(request == null ? null : request.graph(), idempotencyKey(key), times(request));
        return (started.replayed() ? ResponseEntity.ok().header(REPLAYED, "true") : ResponseEntity.ok()).body(body(started));
    }

    /** The REST way to start: 201 with a Location (200 for a repeated idempotency key, with the earlier run). */
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Envelopes.RunBody> post(@RequestBody Envelopes.StartRun request,
                                           @RequestHeader(name = IDEMPOTENCY_KEY, required = false) String key) {
        Runs.View started = runs.start(request == null ? null : request.graph(), idempotencyKey(key), times(request));
        java.net.URI location = ServletUriComponentsBuilder.fromCurrentRequestUri().path("/{id}").build(started.run().id());
        return (started.replayed() ? ResponseEntity.ok().header(REPLAYED, "true").location(location)
                : ResponseEntity.created(location)).body(body(started));
    }

    private static Runs.Times times(Envelopes.StartRun request) {
        return request == null ? Runs.Times.NONE : new Runs.Times(request.deadline(), request.ttl());
    }

    /** The key as sent: 1 to 255 visible ASCII characters, or absent. */
    private static String idempotencyKey(String key) {
        if (key == null) {
            return null;
        }
        if (key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            throw new ApiException(ProblemType.INVALID_REQUEST, "The Idempotency-Key header must be 1 to 255 visible "
                    + "ASCII characters (no spaces).", Map.of("parameter", IDEMPOTENCY_KEY));
        }
        return key;
    }

    private static Envelopes.RunBody body(Runs.View view) {
        return new Envelopes.RunBody(view.run(), view.warnings());
    }

    /** Most runs a page holds; the default with {@code page_token} or a filter. */
    static final int MAX_PAGE_SIZE = 1000;
    static final int DEFAULT_PAGE_SIZE = 100;

    /**
     * The original's listing (time window and {@code limit}), with our filters ({@code status}, {@code outcome}),
     * cursor paging ({@code page_size}, {@code page_token} → {@code next_page_token}) and {@code view=summary}.
     */
    @GetMapping
    Envelopes.RunsBody list(@RequestParam(name = "start_ns", required = false) String startNs,
                            @RequestParam(name = "finish_ns", required = false) String finishNs,
                            @RequestParam(name = "limit", required = false) String limit,
                            @RequestParam(name = "status", required = false) String status,
                            @RequestParam(name = "outcome", required = false) String outcome,
                            @RequestParam(name = "page_size", required = false) String pageSize,
                            @RequestParam(name = "page_token", required = false) String pageToken,
                            @RequestParam(name = "view", required = false) String view) {
        RunQuery all = RunQuery.all();
        Instant newest = startNs == null || startNs.isBlank() ? all.newest() : nanos("start_ns", startNs);
        Instant oldest = finishNs == null || finishNs.isBlank() ? all.oldest() : nanos("finish_ns", finishNs);
        boolean paged = pageSize != null || pageToken != null || status != null || outcome != null;
        if (limit != null && !limit.isBlank() && pageSize != null) {
            throw new ApiException(ProblemType.INVALID_REQUEST, "Give limit (the original's) or page_size, not both.",
                    Map.of("parameter", "page_size"));
        }
        int max = paged ? DEFAULT_PAGE_SIZE : all.limit();
        if (limit != null && !limit.isBlank()) {
            long l = number("limit", limit);
            if (l < 0) {
                throw new ApiException(ProblemType.INVALID_REQUEST, "limit must not be negative.", Map.of("parameter", "limit"));
            }
            max = l == 0 ? all.limit() : (int) Math.min(l, Integer.MAX_VALUE);
        }
        if (pageSize != null) {
            long size = number("page_size", pageSize);
            if (size < 1 || size > MAX_PAGE_SIZE) {
                throw new ApiException(ProblemType.INVALID_REQUEST, "page_size must be 1 to " + MAX_PAGE_SIZE + ".",
                        Map.of("parameter", "page_size"));
            }
            max = (int) size;
        }
        if (pageToken != null && !ULID.matcher(pageToken).matches()) {
            throw new ApiException(ProblemType.INVALID_REQUEST, "page_token is not one this service gave out.",
                    Map.of("parameter", "page_token"));
        }
        boolean summary = view != null && switch (view) {
            case "summary" -> true;
            case "full" -> false;
            default -> throw new ApiException(ProblemType.INVALID_REQUEST, "view must be full or summary.",
                    Map.of("parameter", "view"));
        };
        RunPage page = runs.find(new RunQuery(newest, oldest, max, pageToken,
                value("status", status, RunStatus.class), value("outcome", outcome, RunOutcome.class)));
        List<Object> listed = new ArrayList<>(page.runs().size());
        page.runs().forEach(r -> listed.add(summary ? Envelopes.RunSummary.of(r) : r));
        return new Envelopes.RunsBody(listed, paged ? page.next() : null);
    }

    private static final java.util.regex.Pattern ULID = java.util.regex.Pattern.compile("[0-9A-HJKMNP-TV-Z]{26}");

    private static <E extends Enum<E>> E value(String name, String value, Class<E> type) {
        if (value == null) {
            return null;
        }
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ApiException(ProblemType.INVALID_REQUEST, name + " must be one of "
                    + java.util.Arrays.toString(type.getEnumConstants()) + ", not '" + value + "'.", Map.of("parameter", name));
        }
    }

    @GetMapping("/{runId}")
    Envelopes.RunBody inspect(@PathVariable String runId) {
        return body(runs.inspect(runId));
    }

    /** A new run of the same graph, recorded as a rerun: 201 with its Location. */
    @PostMapping("/{runId}/rerun")
    ResponseEntity<Envelopes.RunBody> rerun(@PathVariable String runId) {
        Runs.View started = runs.rerun(runId);
        return ResponseEntity.created(ServletUriComponentsBuilder.fromCurrentContextPath().path("/v0/runs/{id}")
                .build(started.run().id())).body(body(started));
    }

    /**
     * Cancels a run: 200 with it (outcome CANCELLED), also when it was cancelled already; 409 {@code run-ended}
     * when it ended otherwise.
     */
    @PostMapping("/{runId}/cancel")
    Envelopes.RunBody cancel(@PathVariable String runId,
                             @RequestBody(required = false) Envelopes.CancelRequest request) {
        return body(runs.cancel(runId, request == null ? null : request.grace()));
    }

    /**
     * Retries a run in place: 200 with it; 409 {@code run-not-retryable} or {@code node-not-retryable} when it or a
     * named node cannot be.
     */
    @PostMapping("/{runId}/retry")
    Envelopes.RunBody retry(@PathVariable String runId, @RequestBody(required = false) Envelopes.RetryRequest request) {
        return body(runs.retry(runId, request == null ? null : request.nodes()));
    }

    /** Pauses a run: 200 with it ({@code paused}), also when it was paused; 409 {@code run-ended} once completed. */
    @PostMapping("/{runId}/pause")
    Envelopes.RunBody pause(@PathVariable String runId) {
        return body(runs.pause(runId));
    }

    /** Resumes a paused run: 200 with it; a run not paused is answered as it is. */
    @PostMapping("/{runId}/resume")
    Envelopes.RunBody resume(@PathVariable String runId) {
        return body(runs.resume(runId));
    }

    /**
     * Deletes a completed run: 204; 409 {@code run-not-finished} while it runs, unless {@code force=true}, which
     * cancels it at once first.
     */
    @org.springframework.web.bind.annotation.DeleteMapping("/{runId}")
    ResponseEntity<Void> delete(@PathVariable String runId,
                                @RequestParam(name = "force", required = false) String force) {
        runs.delete(runId, flag("force", force));
        return ResponseEntity.noContent().build();
    }

    private static boolean flag(String name, String value) {
        if (value == null || value.equalsIgnoreCase("false")) {
            return false;
        }
        if (value.isEmpty() || value.equalsIgnoreCase("true")) {
            return true;
        }
        throw new ApiException(ProblemType.INVALID_REQUEST, name + " must be true or false, not '" + value + "'.",
                Map.of("parameter", name));
    }

    @GetMapping("/{runId}/nodes/{name}")
    Envelopes.NodeBody node(@PathVariable String runId, @PathVariable String name) {
        return new Envelopes.NodeBody(runs.node(runId, name));
    }

    @GetMapping(path = "/{runId}/graph", produces = {"text/vnd.graphviz", MediaType.TEXT_PLAIN_VALUE})
    ResponseEntity<String> graph(@PathVariable String runId) {
        return ResponseEntity.ok().contentType(MediaType.parseMediaType("text/vnd.graphviz; charset=UTF-8"))
                .body(RunGraph.dot(runs.inspect(runId).run()));
    }

    private static Instant nanos(String name, String value) {
        long ns = number(name, value);
        if (ns < 0) {
            throw new ApiException(ProblemType.INVALID_REQUEST, name + " must not be negative.", Map.of("parameter", name));
        }
        return Instant.ofEpochSecond(ns / 1_000_000_000L, ns % 1_000_000_000L);
    }

    private static long number(String name, String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new ApiException(ProblemType.INVALID_REQUEST,
                    name + " must be an integer, not '" + value + "'.", Map.of("parameter", name));
        }
    }
}
