package io.adagio.control;

import io.adagio.engine.GraphValidator;
import io.adagio.engine.GraphViolation;
import io.adagio.engine.InvalidGraphException;
import io.adagio.engine.RunFactory;
import io.adagio.model.GraphSpec;
import io.adagio.model.Node;
import io.adagio.model.Run;
import io.adagio.model.Stats;
import io.adagio.repository.Repository;
import io.adagio.repository.RunQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    /** A run and what a user should know about it (runtimes no live agent offers). */
    public record View(Run run, List<String> warnings) {
    }

    /**
     * Validates the graph and starts a run of it.
     *
     * @throws InvalidGraphException when the graph is missing or invalid; nothing is stored
     * @throws TooLargeException     when a node's metadata or the run is over its size limit; nothing is stored
     */
    public View start(GraphSpec graph) {
        if (graph == null) {
            throw new InvalidGraphException(GraphViolation.EMPTY_GRAPH,
                    "The request has no spec: send {\"spec\": {\"nodes\": […], \"edges\": […]}}.", Map.of());
        }
        validator.validate(graph);
        limits.check(graph);
        Run run = repository.startRun(factory.create(graph));
        metrics.runStarted();
        log.info("run {} started with {} nodes", run.id(), run.nodes().size());
        return view(run);
    }

    /** @throws io.adagio.repository.NotFoundException when no such run exists */
    public View inspect(String runId) {
        return view(repository.inspectRun(runId));
    }

    /** Runs of the query's range, newest first. */
    public List<Run> list(RunQuery query) {
        return repository.listRuns(query);
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
