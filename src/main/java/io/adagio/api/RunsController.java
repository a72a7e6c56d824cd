package io.adagio.api;

import io.adagio.config.ServesApi;
import io.adagio.engine.GraphValidator;
import io.adagio.engine.InvalidGraphException;
import io.adagio.engine.GraphViolation;
import io.adagio.engine.RunFactory;
import io.adagio.model.GraphSpec;
import io.adagio.model.Run;
import io.adagio.repository.Repository;
import io.adagio.repository.RunQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

import java.time.Instant;
import java.util.Map;

/** Runs: start, list, inspect, one node, and the run as a Graphviz graph. */
@RestController
@ServesApi
@RequestMapping(path = "/v0/runs", produces = MediaType.APPLICATION_JSON_VALUE)
class RunsController {
    private static final Logger log = LoggerFactory.getLogger(RunsController.class);

    private final Repository repository;
    private final GraphValidator validator;
    private final RunFactory runs;
    private final ApiMetrics metrics;

    RunsController(Repository repository, GraphValidator validator, RunFactory runs, ApiMetrics metrics) {
        this.repository = repository;
        this.validator = validator;
        this.runs = runs;
        this.metrics = metrics;
    }

    /** The original's start call: 200 with the new run. */
    @PutMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    Envelopes.RunBody start(@RequestBody Envelopes.StartRun request) {
        Run run = create(request);
        return new Envelopes.RunBody(run, RuntimeCoverage.warnings(run, repository.listAgents()));
    }

    /** The REST way to start: 201 with a Location. */
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Envelopes.RunBody> post(@RequestBody Envelopes.StartRun request) {
        Run run = create(request);
        return ResponseEntity.created(ServletUriComponentsBuilder.fromCurrentRequestUri().path("/{id}").build(run.id()))
                .body(new Envelopes.RunBody(run, RuntimeCoverage.warnings(run, repository.listAgents())));
    }

    private Run create(Envelopes.StartRun request) {
        GraphSpec graph = request == null ? null : request.graph();
        if (graph == null) {
            throw new InvalidGraphException(GraphViolation.EMPTY_GRAPH, "The request has no spec: send {\"spec\": {\"nodes\": […], \"edges\": […]}}.", Map.of());
        }
        validator.validate(graph);
        Run run = repository.startRun(runs.create(graph));
        metrics.runStarted();
        log.info("run {} started with {} nodes", run.id(), run.nodes().size());
        return run;
    }

    @GetMapping
    Envelopes.RunsBody list(@RequestParam(name = "start_ns", required = false) String startNs,
                            @RequestParam(name = "finish_ns", required = false) String finishNs,
                            @RequestParam(name = "limit", required = false) String limit) {
        RunQuery all = RunQuery.all();
        Instant newest = startNs == null || startNs.isBlank() ? all.newest() : nanos("start_ns", startNs);
        Instant oldest = finishNs == null || finishNs.isBlank() ? all.oldest() : nanos("finish_ns", finishNs);
        int max = all.limit();
        if (limit != null && !limit.isBlank()) {
            long l = number("limit", limit);
            if (l < 0) {
                throw new ApiException(ProblemType.INVALID_REQUEST, "limit must not be negative.", Map.of("parameter", "limit"));
            }
            max = l == 0 ? max : (int) Math.min(l, Integer.MAX_VALUE);
        }
        return new Envelopes.RunsBody(repository.listRuns(new RunQuery(newest, oldest, max)));
    }

    @GetMapping("/{runId}")
    Envelopes.RunBody inspect(@PathVariable String runId) {
        Run run = repository.inspectRun(runId);
        return new Envelopes.RunBody(run, RuntimeCoverage.warnings(run, repository.listAgents()));
    }

    @GetMapping("/{runId}/nodes/{name}")
    Envelopes.NodeBody node(@PathVariable String runId, @PathVariable String name) {
        return new Envelopes.NodeBody(repository.inspectNode(runId, name));
    }

    @GetMapping(path = "/{runId}/graph", produces = {"text/vnd.graphviz", MediaType.TEXT_PLAIN_VALUE})
    ResponseEntity<String> graph(@PathVariable String runId) {
        return ResponseEntity.ok().contentType(MediaType.parseMediaType("text/vnd.graphviz; charset=UTF-8"))
                .body(RunGraph.dot(repository.inspectRun(runId)));
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
