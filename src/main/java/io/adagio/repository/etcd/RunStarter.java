package io.adagio.repository.etcd;

import io.adagio.engine.Topology;
import io.adagio.model.Node;
import io.adagio.model.NodeSpec;
import io.adagio.model.NodeStatus;
import io.adagio.model.Run;
import io.adagio.repository.BackendRefusedException;
import io.adagio.repository.BackendUnavailableException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
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
import java.util.function.IntConsumer;

/**
 * Stores a new run of any size on a default-configured etcd (at most 128 operations and 1.5 MiB per request):
 * first every node key with its state key, in batches that fit those limits, then the run key, last and
 * alone, guarded by "run key absent". The run key is what makes a run visible: every reader ignores node and
 * state keys of runs whose run key does not exist (or, for the event watch, did not exist yet at that
 * revision). A start that fails before its run key is written is invisible, and its batches are removed
 * (best effort, guarded by "run key still absent").
 */
final class RunStarter {
    private static final Logger log = LoggerFactory.getLogger(RunStarter.class);
    /** Operations per batch: two puts per node, under the default 128. */
    static final int MAX_OPS = 120;
    /** Bytes of keys and values per batch, well under the default 1.5 MiB request limit. */
    static final int MAX_BYTES = 1 << 20;

    private final KV kv;
    private final Keys keys;
    private final EtcdCodec codec;
    private final EtcdCalls calls;
    /** Told the number of batches written after each one; a test hook to fail a start half-way. */
    private volatile IntConsumer afterBatch = n -> { };

    RunStarter(KV kv, Keys keys, EtcdCodec codec, EtcdCalls calls) {
        this.kv = kv;
        this.keys = keys;
        this.codec = codec;
        this.calls = calls;
    }

    void afterBatch(IntConsumer hook) {
        this.afterBatch = hook;
    }

    /**
     * Writes the run; answers its shape (with the revision the run key was written at).
     *
     * @throws IllegalStateException when a run with that id exists
     */
    RunShape start(Run run) {
        List<NodeSpec> specs = run.nodes().stream().map(Node::spec).toList();
        Topology topology = Topology.of(specs, run.edges());
        ByteSequence runKey = Keys.bytes(keys.run(run.id()));
        if (!calls.await(kv.get(runKey), "checking run " + run.id()).getKvs().isEmpty()) {
            throw new IllegalStateException("run " + run.id() + " exists");
        }
        try {
            writeBatches(run);
            TxnResponse r = calls.await(kv.txn()
                    .If(new Cmp(runKey, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                    .Then(Op.put(runKey, codec.run(run.createdAt(), specs, run.edges()), PutOption.DEFAULT))
                    .commit(), "writing run " + run.id());
            if (!r.isSucceeded()) {
                throw new IllegalStateException("run " + run.id() + " exists");
            }
            return new RunShape(run.id(), run.createdAt(), topology, r.getHeader().getRevision());
        } catch (RuntimeException e) {
            removeDebris(run.id());
            throw e;
        }
    }

    private void writeBatches(Run run) {
        List<Op> ops = new ArrayList<>();
        int bytes = 0;
        int batches = 0;
        for (Node n : run.nodes()) {
            ByteSequence nodeKey = Keys.bytes(keys.node(run.id(), n.name()));
            ByteSequence nodeValue = codec.node(n);
            ByteSequence stateKey = Keys.bytes(keys.state(n.status(), run.id(), n.name()));
            int size = nodeKey.size() + nodeValue.size() + stateKey.size() + 64;
            if (!ops.isEmpty() && (ops.size() + 2 > MAX_OPS || bytes + size > MAX_BYTES)) {
                commit(run.id(), ops);
                afterBatch.accept(++batches);
                ops = new ArrayList<>();
                bytes = 0;
            }
            ops.add(Op.put(nodeKey, nodeValue, PutOption.DEFAULT));
            ops.add(Op.put(stateKey, ByteSequence.EMPTY, PutOption.DEFAULT));
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
