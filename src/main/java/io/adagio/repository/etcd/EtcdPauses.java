package io.adagio.repository.etcd;

import io.adagio.engine.Pausing;
import io.adagio.engine.Topology;
import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.adagio.model.Run;
import io.adagio.model.RunStatus;
import io.adagio.repository.RunEndedException;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Pausing and resuming a run on etcd: the engine's {@link Pausing} applied to every node of the run in guarded
 * batches ({@link NodeBatches}). A paused READY node goes WAITING, so its ready key is withdrawn and no agent (the
 * original's neither) is offered it; on resume the state keys of the nodes that waited become ready keys again,
 * which every replica's watch announces (NODE_READY). Each batch is idempotent and a repeated pause or resume
 * completes one that stopped half-way.
 */
final class EtcdPauses {
    private final Keys keys;
    private final EtcdCodec codec;
    private final EtcdRuns runs;
    private final NodeBatches batches;

    EtcdPauses(Keys keys, EtcdCodec codec, EtcdRuns runs, NodeBatches batches) {
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
                .map(next -> Propagator.writes(keys, codec, run.id(), f.node().status(), next,
                        f.node().status() == NodeStatus.RUNNING ? f.runningLease() : 0, ops))
                .orElse(0L), what, n -> { });
    }
}
