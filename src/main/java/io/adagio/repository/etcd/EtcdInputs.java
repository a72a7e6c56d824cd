package io.adagio.repository.etcd;

import io.adagio.engine.Inputs;
import io.adagio.model.Node;
import io.adagio.repository.ClaimOutcome;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Fills in the inputs of nodes being answered ({@link Inputs}): their parents' outputs are stored once, in the
 * parents' own values, and read here when a node is handed out (a claim) or shown on its own. Each parent is read
 * once per call, in one read-only transaction for up to 125 of them; parents the caller has in hand (the node
 * that just finished, when a finish claims its children) are not read.
 */
final class EtcdInputs {
    private final NodeReader reader;

    EtcdInputs(NodeReader reader) {
        this.reader = reader;
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
