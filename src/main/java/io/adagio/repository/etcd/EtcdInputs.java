package io.adagio.repository.etcd;

import io.adagio.engine.Inputs;
import io.adagio.model.Node;
import io.adagio.repository.ClaimOutcome;

import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Fills in the inputs of nodes being answered ({@link Inputs}): their parents' outputs are stored once, in the
 * parents' own values, and read here when a node is handed out (a claim) or shown on its own. Each parent is read
 * once per call, in one read-only transaction for up to 125 of them; parents the caller has in hand (the node
 * that just finished, when a finish claims its children, or those the claiming transaction read itself:
 * {@link #prefetch}) are not read.
 */
final class EtcdInputs {
    /**
     * The most parents read by the transaction that claims their children ({@link #prefetch}): their outputs come
     * back in its answer, at most this many times {@code adagio.limits.max-output-size} (base64); a claim whose
     * nodes have more parents reads them after it.
     */
    static final int PREFETCH = 8;

    private final NodeReader reader;
    private final Keys keys;
    private final EtcdCodec codec;

    EtcdInputs(NodeReader reader, Keys keys, EtcdCodec codec) {
        this.reader = reader;
        this.keys = keys;
        this.codec = codec;
    }

    /**
     * Gets of the parents of the nodes being claimed, for the claiming transaction itself, so that a claim costs
     * no read more than before outputs were stored once; none when there are more than {@value #PREFETCH}.
     */
    Prefetch prefetch(List<ClaimOutcome> claims) {
        Set<Keys.NodeRef> parents = new LinkedHashSet<>();
        for (ClaimOutcome c : claims) {
            for (String parent : c.node().inputsFrom()) {
                parents.add(new Keys.NodeRef(c.runId(), parent));
            }
        }
        if (parents.size() > PREFETCH) {
            return new Prefetch(List.of(), List.of());
        }
        List<Keys.NodeRef> refs = List.copyOf(parents);
        List<Op> gets = refs.stream()
                .<Op>map(r -> Op.get(Keys.bytes(keys.node(r.runId(), r.name())), GetOption.DEFAULT)).toList();
        return new Prefetch(refs, gets);
    }

    /**
     * Parents to read in a claiming transaction: its {@link #gets} go last in its operations (after every other
     * get it has), and {@link #read} takes them from its answer.
     */
    final class Prefetch {
        private final List<Keys.NodeRef> parents;
        private final List<Op> gets;

        private Prefetch(List<Keys.NodeRef> parents, List<Op> gets) {
            this.parents = parents;
            this.gets = gets;
        }

        List<Op> gets() {
            return gets;
        }

        /** The parents as the transaction read them. */
        Map<Keys.NodeRef, Node> read(TxnResponse answer) {
            List<GetResponse> got = answer.getGetResponses();
            int first = got.size() - parents.size();
            Map<Keys.NodeRef, Node> out = new HashMap<>();
            for (int i = 0; i < parents.size(); i++) {
                List<KeyValue> kvs = got.get(first + i).getKvs();
                if (!kvs.isEmpty()) {
                    out.put(parents.get(i), codec.node(kvs.get(0).getValue()));
                }
            }
            return out;
        }
    }

    /** One node of a run, with its inputs. */
    Node filled(String runId, Node node) {
        return fill(List.of(new Keys.NodeRef(runId, node.name())), List.of(node), Map.of()).get(0);
    }

    /** The claims, each node with its inputs. */
    List<ClaimOutcome> filled(List<ClaimOutcome> claims) {
        return filled(claims, Map.of());
    }

    /** One claim, its node with its inputs (a claim not won is answered as it is). */
    ClaimOutcome filled(ClaimOutcome claim) {
        return claim.claimed() ? filled(List.of(claim)).get(0) : claim;
    }

    /**
     * The claims, each node with its inputs.
     *
     * @param inHand nodes already read (or just written), used instead of reading them
     */
    List<ClaimOutcome> filled(List<ClaimOutcome> claims, Map<Keys.NodeRef, Node> inHand) {
        List<Keys.NodeRef> refs = new ArrayList<>(claims.size());
        List<Node> nodes = new ArrayList<>(claims.size());
        for (ClaimOutcome c : claims) {
            refs.add(new Keys.NodeRef(c.runId(), c.node().name()));
            nodes.add(c.node());
        }
        List<Node> filled = fill(refs, nodes, inHand);
        List<ClaimOutcome> out = new ArrayList<>(claims.size());
        for (int i = 0; i < claims.size(); i++) {
            out.add(ClaimOutcome.won(claims.get(i).runId(), claims.get(i).claim(), filled.get(i)));
        }
        return out;
    }

    private List<Node> fill(List<Keys.NodeRef> refs, List<Node> nodes, Map<Keys.NodeRef, Node> inHand) {
        Set<Keys.NodeRef> parents = new LinkedHashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String parent : nodes.get(i).inputsFrom()) {
                Keys.NodeRef p = new Keys.NodeRef(refs.get(i).runId(), parent);
                if (!inHand.containsKey(p)) {
                    parents.add(p);
                }
            }
        }
        Map<Keys.NodeRef, Node> read = parents.isEmpty() ? Map.of() : reader.values(parents);
        List<Node> out = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            String runId = refs.get(i).runId();
            out.add(Inputs.filled(nodes.get(i), parent -> {
                Keys.NodeRef p = new Keys.NodeRef(runId, parent);
                Node n = inHand.get(p);
                return n != null ? n : read.get(p);
            }));
        }
        return out;
    }
}
