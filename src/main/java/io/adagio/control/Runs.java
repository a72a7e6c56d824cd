package io.adagio.control;

import io.adagio.engine.Durations;
import io.adagio.engine.GraphValidator;
import io.adagio.engine.GraphViolation;
import io.adagio.engine.InvalidGraphException;
import io.adagio.engine.RunFactory;
import io.adagio.model.GraphSpec;
import io.adagio.model.Node;
import io.adagio.model.Run;
import io.adagio.model.Stats;
import io.adagio.engine.GraphFingerprint;
import io.adagio.repository.BackendUnavailableException;
import io.adagio.repository.OutcomeUnknownException;
import io.adagio.repository.Repository;
import io.adagio.repository.RunEndedException;
import io.adagio.repository.StartKey;
import io.adagio.repository.Started;
import io.adagio.repository.RunPage;
import io.adagio.repository.RunQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Runs as the control plane offers them: started from a validated graph, read with the warnings that apply. */
public final class Runs {
    private static final Logger log = LoggerFactory.getLogger(Runs.class);

    private final Repository repository;
    private final GraphValidator validator;
    private final RunFactory factory;
    private final ControlMetrics metrics;
    private final Limits limits;

    public Runs(Repository repository, GraphValidator validator, RunFactory factory, ControlMetrics metrics, Limits limits) {
        this.repository = repository;
        this.limits = limits;
        this.validator = validator;
        this.factory = factory;
        this.metrics = metrics;
    }

    /**
     * A run and what a user should know about it (runtimes no live agent offers); {@code replayed} when a start
     * answered a run started earlier with the same idempotency key.
     */
    public record View(Run run, List<String> warnings, boolean replayed) {
        public View(Run run, List<String> warnings) {
            this(run, warnings, false);
        }
    }

    /**
     * Validates the graph and starts a run of it.
     *
     * @throws InvalidGraphException when the graph is missing or invalid; nothing is stored
     * @throws TooLargeException     when a node's metadata or the run is over its size limit; nothing is stored
     */
    public View start(GraphSpec graph) {
        return start(graph, null, Times.NONE);
    }

    /**
     * A run's own limits, beside its spec: how long it may take ({@code deadline}: cancelled when it has not
     * completed by then) and how long it is kept once completed ({@code ttl}), durations such as {@code "1h"}.
     */
    public record Times(String deadline, String ttl) {
        public static final Times NONE = new Times(null, null);
    }

    /** The longest deadline or time to live a run may have. */
    static final Duration MAX_RUN_TIME = Duration.ofDays(3650);

    private static void check(String field, String value) {
        if (value == null) {
            return;
        }
        try {
            Duration d = Durations.parse(value);
            if (!d.isZero() && d.compareTo(MAX_RUN_TIME) <= 0) {
                return;
            }
        } catch (IllegalArgumentException e) {
            // answered below
        }
        throw new InvalidRequestException(field + " must be a duration such as \"90m\" or \"168h\" (units ns, us, "
                + "ms, s, m, h), more than 0 and at most 10 years, not '" + value + "'.", Map.of("field", field));
    }

    /**
     * Validates the graph and starts a run of it; with an idempotency key, a start repeated with the same key and
     * graph answers the run the first one started (replayed), and nothing more is stored.
     *
     * @param idempotencyKey the client's key, or null
     * @throws io.adagio.repository.IdempotencyConflictException when the key started a run of another graph
     * @throws BackendUnavailableException with a key, when the store did not answer whether the run started
     *                                     (repeating with the key is then safe: it answers the run or starts it)
     */
    public View start(GraphSpec graph, String idempotencyKey) {
        return start(graph, idempotencyKey, Times.NONE);
    }

    /** {@link #start(GraphSpec, String)} with the run's own limits. */
    public View start(GraphSpec graph, String idempotencyKey, Times times) {
        if (graph == null) {
            throw new InvalidGraphException(GraphViolation.EMPTY_GRAPH,
                    "The request has no spec: send {\"spec\": {\"nodes\": […], \"edges\": […]}}.", Map.of());
        }
        validator.validate(graph);
        limits.check(graph);
        check("deadline", times.deadline());
        check("ttl", times.ttl());
        Run created = factory.create(graph).withTimes(times.deadline(), times.ttl());
        if (idempotencyKey == null) {
            Run run = repository.startRun(created);
            started(run);
            return view(run);
        }
        Started s;
        try {
            s = repository.startRun(created, new StartKey(idempotencyKey, GraphFingerprint.of(graph)));
        } catch (OutcomeUnknownException e) {
            throw new BackendUnavailableException(e.getMessage() + "; repeat the request with the same "
                    + "Idempotency-Key: it answers run " + e.runId() + " if that started, or starts it once", e);
        }
        if (s.replayed()) {
            log.info("run {} answered again for its idempotency key", s.run().id());
        } else {
            started(s.run());
        }
        return new View(s.run(), RuntimeCoverage.warnings(s.run(), repository.listAgents()), s.replayed());
    }

    private void started(Run run) {
        metrics.runStarted();
        log.info("run {} started with {} nodes", run.id(), run.nodes().size());
    }

    /**
     * Starts a new run of the same graph as {@code runId}, recorded as its rerun ({@code rerun_of}); the run it
     * reruns may be in any state.
     *
     * @throws io.adagio.repository.NotFoundException when no such run exists
     */
    public View rerun(String runId) {
        Run of = repository.inspectRun(runId);
        GraphSpec graph = new GraphSpec(of.nodes().stream().map(Node::spec).toList(), of.edges());
        Run run = repository.startRun(factory.create(graph).asRerunOf(runId).withTimes(of.deadline(), of.ttl()));
        metrics.runStarted();
        log.info("run {} started as a rerun of {}", run.id(), runId);
        return view(run);
    }

    /** How long a cancel lets running nodes finish when it does not say. */
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);
    /** The longest grace a cancel may give. */
    public static final Duration MAX_GRACE = Duration.ofHours(24);

    /**
     * Cancels a run ({@link Repository#cancelRun}), letting its running nodes finish for {@code grace} (a
     * duration such as {@code "30s"} or {@code "1.5s"}; {@link #DEFAULT_GRACE} when null; {@code "0s"} terminates).
     *
     * @throws InvalidRequestException                   when the grace is not a duration of at most {@link #MAX_GRACE}
     * @throws io.adagio.repository.RunEndedException    when the run ended otherwise (SUCCEEDED, FAILED)
     * @throws io.adagio.repository.NotFoundException    when no such run exists
     */
    public View cancel(String runId, String grace) {
        Duration g = grace(grace);
        Run run = repository.cancelRun(runId, g);
        log.info("run {} cancelled (grace {})", runId, g);
        return view(run);
    }

    /**
     * Retries a run in place ({@link Repository#retryRun}): the whole run, or the named nodes and their downstream.
     *
     * @throws io.adagio.engine.Retrying.RefusedException when the run or a node cannot be retried
     * @throws io.adagio.repository.NotFoundException     when the run or a named node does not exist
     */
    public View retry(String runId, List<String> nodes) {
        if (nodes != null && nodes.stream().anyMatch(n -> n == null || n.isBlank())) {
            throw new InvalidRequestException("nodes must name nodes of the run.", Map.of("field", "nodes"));
        }
        Run run = repository.retryRun(runId, nodes == null ? List.of() : List.copyOf(new java.util.LinkedHashSet<>(nodes)));
        log.info("run {} retried{}", runId, nodes == null || nodes.isEmpty() ? "" : " from " + nodes);
        return view(run);
    }

    /**
     * Pauses a run ({@link Repository#pauseRun}).
     *
     * @throws RunEndedException                      when it has completed
     * @throws io.adagio.repository.NotFoundException when no such run exists
     */
    public View pause(String runId) {
        Run run = repository.pauseRun(runId);
        log.info("run {} paused", runId);
        return view(run);
    }

    /**
     * Resumes a paused run ({@link Repository#resumeRun}); a run not paused is answered as it is.
     *
     * @throws io.adagio.repository.NotFoundException when no such run exists
     */
    public View resume(String runId) {
        Run run = repository.resumeRun(runId);
        log.info("run {} resumed", runId);
        return view(run);
    }

    private static Duration grace(String text) {
        if (text == null) {
            return DEFAULT_GRACE;
        }
        try {
            Duration d = Durations.parse(text);
            if (d.compareTo(MAX_GRACE) <= 0) {
                return d;
            }
        } catch (IllegalArgumentException e) {
            // answered below
        }
        throw new InvalidRequestException("grace must be a duration such as \"30s\", \"1.5s\" or \"0s\", at most "
                + MAX_GRACE.toHours() + "h, not '" + text + "'.", Map.of("field", "grace"));
    }

    /**
     * Deletes a completed run with everything stored for it; with {@code force}, a run not completed is
     * cancelled at once (grace zero) first.
     *
     * @throws io.adagio.repository.NotFoundException       when no such run exists
     * @throws io.adagio.repository.RunNotFinishedException when it has not completed (and not forced)
     */
    public void delete(String runId, boolean force) {
        if (force && !repository.isRunCompleted(runId)) {
            try {
                repository.cancelRun(runId, Duration.ZERO);
            } catch (RunEndedException e) {
                // it completed meanwhile: delete it as it is
            }
        }
        repository.deleteRun(runId);
        log.info("run {} deleted{}", runId, force ? " (forced)" : "");
    }

    /** @throws io.adagio.repository.NotFoundException when no such run exists */
    public View inspect(String runId) {
        return view(repository.inspectRun(runId));
    }

    /** Runs of the query's range, newest first. */
    public List<Run> list(RunQuery query) {
        return repository.listRuns(query);
    }

    /** A page of the query's runs, newest first, and where the next begins. */
    public RunPage find(RunQuery query) {
        return repository.findRuns(query);
    }

    /** @throws io.adagio.repository.NotFoundException when the run or the node does not exist */
    public Node node(String runId, String name) {
        return repository.inspectNode(runId, name);
    }

    public Stats stats() {
        return repository.stats();
    }

    private View view(Run run) {
        return new View(run, RuntimeCoverage.warnings(run, repository.listAgents()));
    }
}
