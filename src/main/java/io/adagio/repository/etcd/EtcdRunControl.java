package io.adagio.repository.etcd;

import io.adagio.engine.Pausing;
import io.adagio.engine.Retrying;
import io.adagio.engine.Topology;
import io.adagio.model.Node;
import io.adagio.model.Run;
import io.adagio.model.RunStatus;
import io.adagio.repository.RunEndedException;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Pausing, resuming and retrying a run on etcd: the engine's {@link Pausing} and {@link Retrying} applied to the
 * nodes of the run in guarded batches ({@link NodeBatches}). A paused READY node goes WAITING, so its ready key is withdrawn and no agent (the
 * original's neither) is offered it; on resume the state keys of the nodes that waited become ready keys again,
 * which every replica's watch announces (NODE_READY). Each batch is idempotent and a repeated pause or resume
 * completes one that stopped half-way.
 */
final class EtcdRunControl {
    private final Keys keys;
    private final EtcdCodec codec;
    private final EtcdRuns runs;
    private final NodeBatches batches;
    private final EtcdCancels cancels;

    EtcdRunControl(Keys keys, EtcdCodec codec, EtcdRuns runs, NodeBatches batches, EtcdCancels cancels) {
        this.cancels = cancels;
        this.keys = keys;
        this.codec = codec;
        this.runs = runs;
        this.batches = batches;
    }

    /** See {@link io.adagio.repository.Repository#pauseRun}. */
    Run pause(String runId) {
        Run run = runs.inspectRun(runId);
        if (run.status() == RunStatus.COMPLETED) {
            throw new RunEndedException(runId, run.outcome());
        }
        apply(run, Pausing::pause, "pausing " + runId);
        return runs.inspectRun(runId);
    }

    /**
     * See {@link io.adagio.repository.Repository#retryRun}: decided from the run as read, the cancel intent (if any)
     * deleted first, so a cancel still in its grace cannot end what comes back.
     */
    Run retry(String runId, List<String> names) {
        Run run = runs.inspectRun(runId);
        RunShape shape = runs.shape(runId);
        java.util.Map<String, Node> byName = new java.util.LinkedHashMap<>();
        run.nodes().forEach(n -> byName.put(n.name(), n));
        Retrying plan;
        if (names == null || names.isEmpty()) {
            plan = Retrying.ofRun(runId, shape.topology(), byName);
        } else {
            names.forEach(n -> EtcdRuns.requireNode(shape, n));
            plan = Retrying.ofNodes(runId, shape.topology(), byName, names);
        }
        cancels.forget(runId);
        apply(run, n -> plan.apply(shape.topology(), n), "retrying " + runId);
        return runs.inspectRun(runId);
    }

    /** See {@link io.adagio.repository.Repository#resumeRun}. */
    Run resume(String runId) {
        Run run = runs.inspectRun(runId);
        Topology topology = runs.shape(runId).topology();
        apply(run, n -> Pausing.resume(topology, n), "resuming " + runId);
        return runs.inspectRun(runId);
    }

    private void apply(Run run, Function<Node, Optional<Node>> change, String what) {
        List<String> names = run.nodes().stream().filter(n -> change.apply(n).isPresent()).map(Node::name).toList();
        batches.applyAll(run.id(), names, (f, ops) -> change.apply(f.node())
                .map(next -> Propagator.writes(keys, codec, run.id(), f.node(), next, 0, ops))
                .orElse(0L), what, n -> { });
    }
}
