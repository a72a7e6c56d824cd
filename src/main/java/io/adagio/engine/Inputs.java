package io.adagio.engine;

import io.adagio.model.Node;
import io.adagio.model.Run;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A node's inputs, filled in when it is read: for each parent it has received an output from
 * ({@link Node#inputsFrom}), that parent's latest successful output ({@link Node#successfulOutput}; empty when it
 * had none). Outputs are stored once, with their attempts; this is how they reach every child without being
 * copied (the original assembles its inputs the same way, from its parents' latest attempts).
 */
public final class Inputs {
    private Inputs() {
    }

    /**
     * The node with its inputs filled in.
     *
     * @param parents the node's parents by name (a parent not known, or without a successful attempt, gives none)
     */
    public static Node filled(Node node, Function<String, Node> parents) {
        if (node.inputsFrom().isEmpty()) {
            return node.inputs() != null && node.inputs().isEmpty() ? node : node.withInputs(Map.of());
        }
        Map<String, byte[]> in = new LinkedHashMap<>();
        for (String parent : node.inputsFrom()) {
            Node p = parents.apply(parent);
            byte[] out = p == null ? null : p.successfulOutput();
            if (out != null) {
                in.put(parent, out);
            }
        }
        return node.withInputs(in);
    }

    /** The nodes of one run, each with its inputs filled in from the others. */
    public static List<Node> filled(List<Node> nodes) {
        if (nodes.stream().allMatch(n -> n.inputsFrom().isEmpty())) { // roots, or nothing passed on yet
            return nodes.stream().map(n -> filled(n, name -> null)).toList();
        }
        Map<String, Node> byName = new HashMap<>(nodes.size() * 2);
        nodes.forEach(n -> byName.put(n.name(), n));
        return nodes.stream().map(n -> filled(n, byName::get)).toList();
    }

    /** The run with every node's inputs filled in. */
    public static Run filled(Run run) {
        return new Run(run.id(), run.createdAt(), run.status(), run.outcome(), filled(run.nodes()), run.edges(),
                run.rerunOf(), run.paused(), run.deadline(), run.ttl());
    }
}
