package io.adagio.repository.etcd;

import io.adagio.engine.Topology;
import io.adagio.model.Node;
import io.adagio.model.NodeSpec;
import io.adagio.model.NodeStatus;
import io.adagio.model.Run;
import io.adagio.repository.BackendRefusedException;
import io.adagio.repository.BackendUnavailableException;
import io.adagio.repository.OutcomeUnknownException;
import io.adagio.repository.StartKey;
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
 * keys WAITING (their values READY: the state key decides), and the run key's transaction moves as many of those
 * keys to READY as fit in it (about 60 with etcd's defaults); the rest follow it under a start intent
 * ({@link RootRelease}), which any replica completes if this one dies half-way.
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
    private final RootRelease release;
    /** Told the number of batches written after each one; a test hook to fail a start half-way. */
    private volatile IntConsumer afterBatch = n -> { };

    RunStarter(KV kv, Keys keys, EtcdCodec codec, EtcdCalls calls, TxnLimits limits, RootRelease release) {
        this.kv = kv;
        this.release = release;
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
        return start(run, null);
    }

    /**
     * Writes the run, with its idempotency key's record in the run key's transaction when {@code key} is given
     * (guarded by "no such record"), so of concurrent starts with one key exactly one commits.
     *
     * @throws KeyTaken when the key's record exists: another start with it committed (this one's keys are removed)
     */
    RunShape start(Run run, StartKey key) {
        List<NodeSpec> specs = run.nodes().stream().map(Node::spec).toList();
        Topology topology = Topology.of(specs, run.edges());
        ByteSequence runKey = Keys.bytes(keys.run(run.id()));
        ByteSequence runValue = codec.run(run.createdAt(), specs, run.edges(),
                key == null ? null : Keys.idempotencyHash(key.key()), run.rerunOf(), run.deadline(), run.ttl());
        List<Op> last = new ArrayList<>();
        last.add(Op.put(runKey, runValue, PutOption.DEFAULT));
        for (io.adagio.engine.RunTimes.Kind timer : io.adagio.engine.RunTimes.Kind.values()) {
            timer.firstDue(run).ifPresent(at -> last.add(Op.put(Keys.bytes(keys.runTimer(at, run.id(), timer)),
                    ByteSequence.EMPTY, PutOption.DEFAULT)));
        }
        int total = runKey.size() + runValue.size();
        if (key != null) {
            ByteSequence record = codec.keyedStart(new EtcdCodec.KeyedStart(run.id(), key.graphSha256(), run.createdAt()));
            last.add(Op.put(Keys.bytes(keys.idempotency(key.key())), record, PutOption.DEFAULT));
            total += record.size() + 100;
        }
        List<Put> all = new ArrayList<>();
        for (Node n : run.nodes()) {
            all.addAll(puts(run.id(), n));
        }
        for (Put p : all) {
            total += p.bytes();
        }
        if (all.size() + 1 <= maxOps && total <= maxBytes) {
            all.forEach(p -> last.add(p.op()));
            return commitRun(run, topology, runKey, key, last, false);
        }
        List<String> roots = run.nodes().stream().filter(n -> n.status() == NodeStatus.READY).map(Node::name).toList();
        // the run key's transaction releases the roots that fit in it; the rest follow it, under a start intent
        long bytes = runKey.size() + runValue.size() + 128;
        int released = 0;
        while (released < roots.size() && last.size() + 2 + 1 <= maxOps
                && bytes + release.moveBytes(run.id(), roots.get(released)) <= maxBytes) {
            bytes += release.moveBytes(run.id(), roots.get(released));
            last.addAll(release.move(run.id(), roots.get(released++)));
        }
        List<String> later = roots.subList(released, roots.size());
        if (!later.isEmpty()) {
            last.add(release.recordIntent(run.id()));
        }
        // (a run of one transaction learns it from that transaction's guard; this one need not write its batches to)
        if (!calls.await(kv.get(runKey), "checking run " + run.id()).getKvs().isEmpty()) {
            throw new IllegalStateException("run " + run.id() + " exists");
        }
        if (key != null) {
            throwIfTaken(run, key, false); // a repeated keyed start need not write its batches to find out
        }
        try {
            writeBatches(run);
        } catch (RuntimeException e) {
            removeDebris(run.id());
            throw e;
        }
        RunShape shape = commitRun(run, topology, runKey, key, last, true);
        if (!later.isEmpty()) {
            try {
                release.release(run.id(), later);
            } catch (BackendUnavailableException | BackendRefusedException e) {
                log.warn("run {} started; {} of its roots are released by the recovery ({})", run.id(), later.size(),
                        e.getMessage());
            }
        }
        return shape;
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
    private RunShape commitRun(Run run, Topology topology, ByteSequence runKey, StartKey key, List<Op> ops,
                               boolean batched) {
        try {
            TxnResponse r = calls.await(guarded(runKey, key, ops), "writing run " + run.id());
            if (!r.isSucceeded()) {
                if (key != null) {
                    throwIfTaken(run, key, batched);
                }
                throw new IllegalStateException("run " + run.id() + " exists");
            }
            return shape(run, topology, r.getHeader().getRevision());
        } catch (BackendUnavailableException e) {
            if (!e.mayHaveApplied()) {
                if (batched) {
                    removeDebris(run.id());
                }
                throw e;
            }
            return resolve(run, topology, runKey, key, ops, e, batched);
        } catch (KeyTaken e) {
            throw e;
        } catch (BackendRefusedException e) {
            // etcd applies the write that takes it over its quota and answers that one NO_SPACE too (the alarm
            // then refuses every later write before applying it): read back whether this one was that write
            if (e.reason() == BackendRefusedException.Reason.NO_SPACE) {
                GetResponse back = calls.await(kv.get(runKey), "reading back run " + run.id());
                if (!back.getKvs().isEmpty()) {
                    log.warn("run {} was written by the write that filled etcd; it started", run.id());
                    return shape(run, topology, back.getKvs().get(0).getCreateRevision());
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
    private RunShape resolve(Run run, Topology topology, ByteSequence runKey, StartKey key, List<Op> ops,
                             BackendUnavailableException lost, boolean batched) {
        log.warn("no answer writing run {} ({}); reading it back", run.id(), lost.getMessage());
        try {
            for (int attempt = 0; attempt < 2; attempt++) {
                GetResponse back = calls.await(kv.get(runKey), "reading back run " + run.id());
                if (!back.getKvs().isEmpty()) {
                    return shape(run, topology, back.getKvs().get(0).getCreateRevision());
                }
                if (key != null) {
                    throwIfTaken(run, key, batched);
                }
                TxnResponse again = calls.await(guarded(runKey, key, ops), "writing run " + run.id() + " again");
                if (again.isSucceeded()) {
                    return shape(run, topology, again.getHeader().getRevision());
                }
                // the guard failed: the first transaction took effect meanwhile; read it back
            }
            throw new OutcomeUnknownException(run.id(), "run " + run.id() + " was neither found nor written", lost);
        } catch (BackendUnavailableException e) {
            throw new OutcomeUnknownException(run.id(), "etcd did not answer writing run " + run.id() + ": "
                    + lost.getMessage() + "; then: " + e.getMessage(), e);
        }
    }

    private CompletableFuture<TxnResponse> guarded(ByteSequence runKey, StartKey key, List<Op> ops) {
        List<Cmp> guards = new ArrayList<>(2);
        guards.add(new Cmp(runKey, Cmp.Op.EQUAL, CmpTarget.createRevision(0)));
        if (key != null) {
            guards.add(new Cmp(Keys.bytes(keys.idempotency(key.key())), Cmp.Op.EQUAL, CmpTarget.createRevision(0)));
        }
        return kv.txn().If(guards.toArray(Cmp[]::new)).Then(ops.toArray(Op[]::new)).commit();
    }

    /** When the key's record names another run, that start won: this one's keys are removed and KeyTaken thrown. */
    private void throwIfTaken(Run run, StartKey key, boolean batched) {
        GetResponse got = calls.await(kv.get(Keys.bytes(keys.idempotency(key.key()))), "reading idempotency key of " + run.id());
        if (got.getKvs().isEmpty()) {
            return;
        }
        EtcdCodec.KeyedStart taken = codec.keyedStart(got.getKvs().get(0).getValue());
        if (taken.runId().equals(run.id())) {
            return;
        }
        if (batched) {
            removeDebris(run.id());
        }
        throw new KeyTaken(taken);
    }

    /** A start's idempotency key was taken by another start, which committed its run. */
    static final class KeyTaken extends RuntimeException {
        private final EtcdCodec.KeyedStart record;

        KeyTaken(EtcdCodec.KeyedStart record) {
            super("idempotency key taken by run " + record.runId(), null, false, false);
            this.record = record;
        }

        EtcdCodec.KeyedStart record() {
            return record;
        }
    }

    /** The node and state keys in batches, the roots' state keys WAITING (made READY with or after the run key). */
    private void writeBatches(Run run) {
        List<Op> ops = new ArrayList<>();
        int bytes = 0;
        int batches = 0;
        for (Node n : run.nodes()) {
            List<Put> puts = n.status() == NodeStatus.READY ? puts(run.id(), n, NodeStatus.WAITING) : puts(run.id(), n);
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

    static Op deletePrefix(String prefix) {
        return Op.delete(Keys.bytes(prefix), DeleteOption.builder().withRange(Keys.prefixEnd(prefix)).build());
    }

    /** The shape of a run written at {@code revision}. */
    private static RunShape shape(Run run, Topology topology, long revision) {
        return new RunShape(run.id(), run.createdAt(), topology, revision, run.rerunOf(), run.deadline(), run.ttl());
    }
}
