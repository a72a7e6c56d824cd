package io.adagio.repository.etcd;

import io.adagio.engine.Topology;
import io.adagio.model.Node;
import io.adagio.model.NodeSpec;
import io.adagio.model.NodeStatus;
import io.adagio.model.Run;
import io.adagio.repository.BackendRefusedException;
import io.adagio.repository.BackendUnavailableException;
import io.adagio.repository.OutcomeUnknownException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;

/**
 * Stores a new run of any size within what one etcd request may carry ({@link TxnLimits}; by default 128
 * operations and 1.5 MiB).
 * A run that fits one transaction is written in one, guarded by "run key absent", as the original does. A larger
 * one is written in batches of node keys with their state keys, then the run key, last, guarded the same way.
 * The run key is what makes a run visible: every reader of ours ignores node and state keys of runs whose run key
 * does not exist (or, for the event watch, did not exist yet at that revision). The original's agents read the
 * run key at a READY event's revision, so no READY key may come before it: the batches write the roots' state
 * keys WAITING (their values READY: the state key decides), and the run key's transaction moves those keys to READY
 * — when all of them fit in it ({@code (max-txn-ops − 1) / 2} roots, 59 with etcd's defaults); a run with more roots
 * than that has them written READY in the batches, which our agents claim, and the original's only from its
 * current set.
 *
 * <p>A start that fails before its run key is sent is invisible, and its batches are removed (best effort,
 * guarded by "run key still absent"): it certainly did not happen. When the run key's transaction gets no
 * answer, it may still take effect: the run key is read back, and if absent the guarded transaction is sent
 * again (at most one of them can commit); only when even that gets no answer is the outcome unknown
 * ({@link OutcomeUnknownException}, and the batches are left: they may be the run's).
 */
final class RunStarter {
    private static final Logger log = LoggerFactory.getLogger(RunStarter.class);

    private final KV kv;
    private final Keys keys;
    private final EtcdCodec codec;
    private final EtcdCalls calls;
    private final int maxOps;
    private final int maxBytes;
    /** Told the number of batches written after each one; a test hook to fail a start half-way. */
    private volatile IntConsumer afterBatch = n -> { };

    RunStarter(KV kv, Keys keys, EtcdCodec codec, EtcdCalls calls, TxnLimits limits) {
        this.kv = kv;
        this.maxOps = limits.startOps();
        this.maxBytes = limits.bytes();
        this.keys = keys;
        this.codec = codec;
        this.calls = calls;
    }

    void afterBatch(IntConsumer hook) {
        this.afterBatch = hook;
    }

    /** A put of a node key or its state key, with its size. */
    private record Put(Op op, int bytes) {
    }

    /**
     * Writes the run; answers its shape (with the revision the run key was written at).
     *
     * @throws IllegalStateException   when a run with that id exists
     * @throws OutcomeUnknownException when etcd did not answer the run key's transaction, even sent again
     */
    RunShape start(Run run) {
        List<NodeSpec> specs = run.nodes().stream().map(Node::spec).toList();
        Topology topology = Topology.of(specs, run.edges());
        ByteSequence runKey = Keys.bytes(keys.run(run.id()));
        ByteSequence runValue = codec.run(run.createdAt(), specs, run.edges());
        if (!calls.await(kv.get(runKey), "checking run " + run.id()).getKvs().isEmpty()) {
            throw new IllegalStateException("run " + run.id() + " exists");
        }
        List<Op> last = new ArrayList<>();
        last.add(Op.put(runKey, runValue, PutOption.DEFAULT));
        int total = runKey.size() + runValue.size();
        List<Put> all = new ArrayList<>();
        for (Node n : run.nodes()) {
            all.addAll(puts(run.id(), n));
        }
        for (Put p : all) {
            total += p.bytes();
        }
        if (all.size() + 1 <= maxOps && total <= maxBytes) {
            all.forEach(p -> last.add(p.op()));
            return commitRun(run, topology, runKey, last, false);
        }
        List<Node> roots = run.nodes().stream().filter(n -> n.status() == NodeStatus.READY).toList();
        List<Op> flips = new ArrayList<>();
        long flipBytes = runKey.size() + runValue.size();
        for (Node root : roots) {
            ByteSequence waiting = Keys.bytes(keys.state(NodeStatus.WAITING, run.id(), root.name()));
            ByteSequence ready = Keys.bytes(keys.state(NodeStatus.READY, run.id(), root.name()));
            flips.add(Op.delete(waiting, DeleteOption.DEFAULT));
            flips.add(Op.put(ready, ByteSequence.EMPTY, PutOption.DEFAULT));
            flipBytes += waiting.size() + ready.size() + 64;
        }
        boolean flip = 1 + flips.size() <= maxOps && flipBytes <= maxBytes;
        try {
            writeBatches(run, flip);
        } catch (RuntimeException e) {
            removeDebris(run.id());
            throw e;
        }
        if (flip) {
            last.addAll(flips);
        }
        return commitRun(run, topology, runKey, last, true);
    }

    /** The node key and its state key of a node as it is stored when its run starts. */
    private List<Put> puts(String runId, Node n) {
        return puts(runId, n, n.status());
    }

    /** The node key and a state key of {@code state} (the state key decides a node's status, not its value). */
    private List<Put> puts(String runId, Node n, NodeStatus state) {
        ByteSequence nodeKey = Keys.bytes(keys.node(runId, n.name()));
        ByteSequence nodeValue = codec.node(n);
        ByteSequence stateKey = Keys.bytes(keys.state(state, runId, n.name()));
        return List.of(new Put(Op.put(nodeKey, nodeValue, PutOption.DEFAULT), nodeKey.size() + nodeValue.size() + 32),
                new Put(Op.put(stateKey, ByteSequence.EMPTY, PutOption.DEFAULT), stateKey.size() + 32));
    }

    /** The run key's transaction, with what else must come with it; see the class comment for a lost answer. */
    private RunShape commitRun(Run run, Topology topology, ByteSequence runKey, List<Op> ops, boolean batched) {
        try {
            TxnResponse r = calls.await(guarded(runKey, ops), "writing run " + run.id());
            if (!r.isSucceeded()) {
                throw new IllegalStateException("run " + run.id() + " exists");
            }
            return new RunShape(run.id(), run.createdAt(), topology, r.getHeader().getRevision());
        } catch (BackendUnavailableException e) {
            if (!e.mayHaveApplied()) {
                if (batched) {
                    removeDebris(run.id());
                }
                throw e;
            }
            return resolve(run, topology, runKey, ops, e);
        } catch (BackendRefusedException e) {
            // etcd applies the write that takes it over its quota and answers that one NO_SPACE too (the alarm
            // then refuses every later write before applying it): read back whether this one was that write
            if (e.reason() == BackendRefusedException.Reason.NO_SPACE) {
                GetResponse back = calls.await(kv.get(runKey), "reading back run " + run.id());
                if (!back.getKvs().isEmpty()) {
                    log.warn("run {} was written by the write that filled etcd; it started", run.id());
                    return new RunShape(run.id(), run.createdAt(), topology, back.getKvs().get(0).getCreateRevision());
                }
            }
            if (batched) {
                removeDebris(run.id());
            }
            throw e;
        } catch (RuntimeException e) {
            if (batched) {
                removeDebris(run.id());
            }
            throw e;
        }
    }

    /** The run key's transaction got no answer: it is read back, and sent again (guarded) when absent. */
    private RunShape resolve(Run run, Topology topology, ByteSequence runKey, List<Op> ops, BackendUnavailableException lost) {
        log.warn("no answer writing run {} ({}); reading it back", run.id(), lost.getMessage());
        try {
            for (int attempt = 0; attempt < 2; attempt++) {
                GetResponse back = calls.await(kv.get(runKey), "reading back run " + run.id());
                if (!back.getKvs().isEmpty()) {
                    return new RunShape(run.id(), run.createdAt(), topology, back.getKvs().get(0).getCreateRevision());
                }
                TxnResponse again = calls.await(guarded(runKey, ops), "writing run " + run.id() + " again");
                if (again.isSucceeded()) {
                    return new RunShape(run.id(), run.createdAt(), topology, again.getHeader().getRevision());
                }
                // the guard failed: the first transaction took effect meanwhile; read it back
            }
            throw new OutcomeUnknownException(run.id(), "run " + run.id() + " was neither found nor written", lost);
        } catch (BackendUnavailableException e) {
            throw new OutcomeUnknownException(run.id(), "etcd did not answer writing run " + run.id() + ": "
                    + lost.getMessage() + "; then: " + e.getMessage(), e);
        }
    }

    private CompletableFuture<TxnResponse> guarded(ByteSequence runKey, List<Op> ops) {
        return kv.txn().If(new Cmp(runKey, Cmp.Op.EQUAL, CmpTarget.createRevision(0))).Then(ops.toArray(Op[]::new)).commit();
    }

    /** The node and state keys in batches; with {@code rootsWaiting} the roots' state keys WAITING (made READY later). */
    private void writeBatches(Run run, boolean rootsWaiting) {
        List<Op> ops = new ArrayList<>();
        int bytes = 0;
        int batches = 0;
        for (Node n : run.nodes()) {
            List<Put> puts = rootsWaiting && n.status() == NodeStatus.READY ? puts(run.id(), n, NodeStatus.WAITING)
                    : puts(run.id(), n);
            int size = puts.get(0).bytes() + puts.get(1).bytes();
            if (!ops.isEmpty() && (ops.size() + 2 > maxOps || bytes + size > maxBytes)) {
                commit(run.id(), ops);
                afterBatch.accept(++batches);
                ops = new ArrayList<>();
                bytes = 0;
            }
            for (Put p : puts) {
                ops.add(p.op());
            }
            bytes += size;
        }
        if (!ops.isEmpty()) {
            commit(run.id(), ops);
            afterBatch.accept(++batches);
        }
    }

    private void commit(String runId, List<Op> ops) {
        calls.await(kv.txn().Then(ops.toArray(Op[]::new)).commit(), "writing nodes of run " + runId);
    }

    /** Deletes the node and state keys of a start that failed, unless its run key exists after all. */
    private void removeDebris(String runId) {
        try {
            List<Op> deletes = new ArrayList<>();
            deletes.add(deletePrefix(keys.nodesOf(runId)));
            for (NodeStatus s : Keys.KEYED) {
                deletes.add(deletePrefix(keys.statesOf(s, runId)));
            }
            ByteSequence runKey = Keys.bytes(keys.run(runId));
            calls.await(kv.txn().If(new Cmp(runKey, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                    .Then(deletes.toArray(Op[]::new)).commit(), "removing a failed start of " + runId);
        } catch (BackendUnavailableException | BackendRefusedException e) {
            log.warn("could not remove the keys of failed start {} (they stay invisible): {}", runId, e.getMessage());
        }
    }

    private static Op deletePrefix(String prefix) {
        return Op.delete(Keys.bytes(prefix), DeleteOption.builder().withRange(Keys.prefixEnd(prefix)).build());
    }
}
