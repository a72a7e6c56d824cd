package io.adagio.repository.etcd;

import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads named nodes of a run with their state keys: five gets per node, grouped into read-only transactions
 * (each consistent in itself) of at most 125 operations. Costs O(nodes named), never O(nodes in the run).
 */
final class NodeReader {
    /** Nodes per read transaction: 5 gets each, under etcd's default limit of 128 operations. */
    private static final int PER_TXN = 25;
    /** Node values per read transaction (one get each), under etcd's default limit of 128 operations. */
    private static final int VALUES_PER_TXN = 125;
    /** Gets of a read of a node expected in one state ({@link #addGets(Keys.NodeRef, NodeStatus, List)}). */
    static final int EXPECTED_GETS = 2;

    private final KV kv;
    private final Keys keys;
    private final EtcdCodec codec;
    private final EtcdCalls calls;

    NodeReader(KV kv, Keys keys, EtcdCodec codec, EtcdCalls calls) {
        this.kv = kv;
        this.keys = keys;
        this.codec = codec;
        this.calls = calls;
    }

    /** One node's facts; the node must be in the run's topology (its key then exists once the run is visible). */
    NodeFacts read(String runId, String name) {
        return read(runId, List.of(name)).get(name);
    }

    /**
     * The facts of each named node, by name.
     *
     * @throws io.adagio.repository.NotFoundException when a node key is missing: node keys go only with their run,
     *                                                 so the run was deleted
     */
    Map<String, NodeFacts> read(String runId, Collection<String> names) {
        List<Keys.NodeRef> refs = new ArrayList<>(names.size());
        names.forEach(n -> refs.add(new Keys.NodeRef(runId, n)));
        Map<String, NodeFacts> out = new LinkedHashMap<>();
        read(refs).forEach((ref, facts) -> out.put(ref.name(), facts));
        if (out.size() < refs.size()) {
            throw new io.adagio.repository.NotFoundException("run", runId);
        }
        return out;
    }

    /**
     * The facts of each node, of any runs, in the order given; a node whose key is missing (its run was deleted
     * since it was listed) is left out, so one deleted run does not fail a read of others.
     */
    Map<Keys.NodeRef, NodeFacts> read(List<Keys.NodeRef> refs) {
        Map<Keys.NodeRef, NodeFacts> out = new LinkedHashMap<>();
        for (int from = 0; from < refs.size(); from += PER_TXN) {
            List<Keys.NodeRef> chunk = refs.subList(from, Math.min(refs.size(), from + PER_TXN));
            List<Op> gets = new ArrayList<>(chunk.size() * 5);
            chunk.forEach(ref -> addGets(ref, gets));
            TxnResponse r = calls.await(kv.txn().Then(gets.toArray(Op[]::new)).commit(),
                    "reading nodes of " + chunk.get(0).runId());
            List<GetResponse> got = r.getGetResponses();
            for (int i = 0; i < chunk.size(); i++) {
                Keys.NodeRef ref = chunk.get(i);
                NodeFacts facts = facts(ref.runId(), ref.name(), got.subList(i * 5, i * 5 + 5));
                if (facts != null) {
                    out.put(ref, facts);
                }
            }
        }
        return out;
    }

    /** The five gets that read a node's facts ({@link #facts(Keys.NodeRef, List)} takes their answers), to {@code ops}. */
    void addGets(Keys.NodeRef ref, List<Op> ops) {
        ops.add(Op.get(Keys.bytes(keys.node(ref.runId(), ref.name())), GetOption.DEFAULT));
        for (NodeStatus s : Keys.KEYED) {
            ops.add(Op.get(Keys.bytes(keys.state(s, ref.runId(), ref.name())), GetOption.DEFAULT));
        }
    }

    /**
     * The two gets that read a node expected to be in {@code state} (its node key and that state key), to
     * {@code ops}; {@link #factsIf} takes their answers. For reads ahead of what a transaction expects: a READY
     * node to fill up with, a WAITING child of a node it claims.
     */
    void addGets(Keys.NodeRef ref, NodeStatus state, List<Op> ops) {
        ops.add(Op.get(Keys.bytes(keys.node(ref.runId(), ref.name())), GetOption.DEFAULT));
        ops.add(Op.get(Keys.bytes(keys.state(state, ref.runId(), ref.name())), GetOption.DEFAULT));
    }

    /**
     * The node's facts from the answers of its {@link #addGets(Keys.NodeRef, NodeStatus, List)} when it is in
     * {@code state} (that state key exists: a node has one state key at most, see {@link NodeFacts#guards});
     * null otherwise (in another state, which these two gets do not say, or its run deleted).
     */
    NodeFacts factsIf(Keys.NodeRef ref, NodeStatus state, List<GetResponse> got) {
        if (got.get(0).getKvs().isEmpty() || got.get(1).getKvs().isEmpty()) {
            return null;
        }
        KeyValue nodeKey = got.get(0).getKvs().get(0);
        KeyValue stateKey = got.get(1).getKvs().get(0);
        Node node = codec.node(nodeKey.getValue()).withStatus(state);
        return new NodeFacts(ref.runId(), node, nodeKey.getModRevision(), Map.of(state, stateKey.getModRevision()),
                state == NodeStatus.RUNNING ? stateKey.getLease() : 0);
    }

    /** The node's facts from the answers of its {@link #addGets}; null when its key is missing (its run was deleted). */
    NodeFacts facts(Keys.NodeRef ref, List<GetResponse> got) {
        return facts(ref.runId(), ref.name(), got);
    }

    /**
     * The stored values of the named nodes (without their state keys), of any runs, by reference; a node whose key
     * does not exist is left out. One get per node, {@value #VALUES_PER_TXN} to a read-only transaction.
     */
    Map<Keys.NodeRef, Node> values(Collection<Keys.NodeRef> refs) {
        List<Keys.NodeRef> all = List.copyOf(refs);
        Map<Keys.NodeRef, Node> out = new LinkedHashMap<>();
        for (int from = 0; from < all.size(); from += VALUES_PER_TXN) {
            List<Keys.NodeRef> chunk = all.subList(from, Math.min(all.size(), from + VALUES_PER_TXN));
            List<Op> gets = new ArrayList<>(chunk.size());
            chunk.forEach(ref -> gets.add(Op.get(Keys.bytes(keys.node(ref.runId(), ref.name())), GetOption.DEFAULT)));
            List<GetResponse> got = calls.await(kv.txn().Then(gets.toArray(Op[]::new)).commit(),
                    "reading nodes of " + chunk.get(0).runId()).getGetResponses();
            for (int i = 0; i < chunk.size(); i++) {
                if (!got.get(i).getKvs().isEmpty()) {
                    out.put(chunk.get(i), codec.node(got.get(i).getKvs().get(0).getValue()));
                }
            }
        }
        return out;
    }

    private NodeFacts facts(String runId, String name, List<GetResponse> got) {
        if (got.get(0).getKvs().isEmpty()) { // node keys go only with their run: it was deleted
            return null;
        }
        KeyValue nodeKey = got.get(0).getKvs().get(0);
        Map<NodeStatus, Long> states = new EnumMap<>(NodeStatus.class);
        NodeStatus status = NodeStatus.NONE;
        long runningLease = 0;
        for (int i = 0; i < Keys.KEYED.size(); i++) {
            List<KeyValue> kvs = got.get(i + 1).getKvs();
            if (!kvs.isEmpty()) {
                states.put(Keys.KEYED.get(i), kvs.get(0).getModRevision());
                status = Keys.KEYED.get(i);
                if (status == NodeStatus.RUNNING) {
                    runningLease = kvs.get(0).getLease();
                }
            }
        }
        Node node = codec.node(nodeKey.getValue()).withStatus(status);
        return new NodeFacts(runId, node, nodeKey.getModRevision(), states, runningLease);
    }
}
