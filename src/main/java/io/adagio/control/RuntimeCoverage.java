package io.adagio.control;

import io.adagio.model.Agent;
import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.adagio.model.Run;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Says which unfinished nodes of a run no live agent can run, so a typo in a runtime name never leaves a
 * run waiting without a word.
 */
final class RuntimeCoverage {
    private RuntimeCoverage() {
    }

    static List<String> warnings(Run run, List<Agent> agents) {
        Map<String, TreeSet<String>> unserved = new TreeMap<>();
        for (Node n : run.nodes()) {
            if (n.status() == NodeStatus.COMPLETED) {
                continue;
            }
            String runtime = n.spec().runtime();
            if (agents.stream().noneMatch(a -> a.runs(runtime))) {
                unserved.computeIfAbsent(runtime, r -> new TreeSet<>()).add(n.name());
            }
        }
        return unserved.entrySet().stream()
                .map(e -> "No registered agent offers runtime '" + e.getKey() + "' (nodes: "
                        + String.join(", ", e.getValue().stream().limit(10).toList())
                        + (e.getValue().size() > 10 ? ", …" : "") + ").")
                .toList();
    }
}
