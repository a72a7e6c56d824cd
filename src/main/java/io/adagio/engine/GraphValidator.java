package io.adagio.engine;

import io.adagio.model.Edge;
import io.adagio.model.GraphSpec;
import io.adagio.model.NodeSpec;
import io.adagio.model.RetryRule;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a graph before anything is stored. Iterative throughout (no recursion), linear in nodes + edges,
 * so a 100,000-node chain cannot overflow the stack. The first kind of violation found is reported with
 * every node or edge of that kind.
 */
public final class GraphValidator {
    /** The retry conditions a node may name. */
    public static final Set<String> RETRY_CONDITIONS = Set.of("fail", "error");

    private final GraphLimits limits;

    public GraphValidator(GraphLimits limits) {
        this.limits = limits;
    }

    /**
     * Validates the graph.
     *
     * @throws InvalidGraphException naming the violation and its facts
     */
    public void validate(GraphSpec graph) {
        if (graph == null || graph.nodes().isEmpty()) {
            throw new InvalidGraphException(GraphViolation.EMPTY_GRAPH, "The graph has no nodes.", Map.of());
        }
        List<NodeSpec> nodes = graph.nodes();
        if (nodes.size() > limits.maxNodes()) {
            throw new InvalidGraphException(GraphViolation.TOO_MANY_NODES,
                    "The graph has " + nodes.size() + " nodes; at most " + limits.maxNodes() + " are accepted.",
                    Map.of("node_count", nodes.size(), "max_nodes", limits.maxNodes()));
        }
        checkNodes(nodes);
        Map<String, Integer> index = indexNames(nodes);
        int[][] edges = checkEdges(graph.edges(), index);
        checkAcyclic(nodes, edges);
    }

    private static void checkNodes(List<NodeSpec> nodes) {
        List<Integer> unnamed = new ArrayList<>();
        List<Map<String, Object>> badNames = new ArrayList<>();
        List<String> noRuntime = new ArrayList<>();
        List<Map<String, Object>> badRetry = new ArrayList<>();
        List<Map<String, Object>> badTrigger = new ArrayList<>();
        List<Map<String, Object>> badTimeout = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            NodeSpec n = nodes.get(i);
            if (n == null || n.name() == null) {
                unnamed.add(i);
                continue;
            }
            final int at = i;
            NodeNames.problem(n.name()).ifPresent(p -> badNames.add(Map.of("index", at, "name", n.name(), "reason", p)));
            if (n.runtime() == null || n.runtime().isBlank()) {
                noRuntime.add(n.name());
            }
            if (n.trigger() != null && !NodeSpec.ALL_SUCCESS.equals(n.trigger()) && !NodeSpec.ALL_DONE.equals(n.trigger())) {
                badTrigger.add(Map.of("node", n.name(), "trigger", n.trigger()));
            }
            for (Map.Entry<String, RetryRule> r : n.retry().entrySet()) {
                if (!RETRY_CONDITIONS.contains(r.getKey())) {
                    badRetry.add(Map.of("node", n.name(), "condition", r.getKey(), "reason", "unknown condition; use fail or error"));
                } else if (r.getValue() == null || r.getValue().maxAttempts() == null || r.getValue().maxAttempts() < 1) {
                    badRetry.add(Map.of("node", n.name(), "condition", r.getKey(), "reason", "max_attempts must be at least 1"));
                } else if (r.getValue().backoff() != null) {
                    backoffProblem(r.getValue().backoff()).ifPresent(reason ->
                            badRetry.add(Map.of("node", n.name(), "condition", r.getKey(), "reason", reason)));
                }
            }
            if (n.timeout() != null && !isDuration(n.timeout(), true)) {
                badTimeout.add(Map.of("node", n.name(), "timeout", n.timeout()));
            }
        }
        if (!unnamed.isEmpty()) {
            throw new InvalidGraphException(GraphViolation.MISSING_NAME,
                    "Nodes at positions " + unnamed + " have no name.", Map.of("indexes", unnamed));
        }
        if (!badNames.isEmpty()) {
            throw new InvalidGraphException(GraphViolation.INVALID_NAME,
                    "Invalid node name: " + badNames.get(0).get("reason") + ".", Map.of("nodes", badNames));
        }
        if (!noRuntime.isEmpty()) {
            throw new InvalidGraphException(GraphViolation.MISSING_RUNTIME,
                    "Nodes without a runtime: " + abbreviate(noRuntime) + ".", Map.of("nodes", noRuntime));
        }
        if (!badTrigger.isEmpty()) {
            throw new InvalidGraphException(GraphViolation.INVALID_TRIGGER, "Node " + badTrigger.get(0).get("node")
                    + " has trigger '" + badTrigger.get(0).get("trigger") + "'; use all_success (the default) or all_done.",
                    Map.of("nodes", badTrigger));
        }
        if (!badTimeout.isEmpty()) {
            throw new InvalidGraphException(GraphViolation.INVALID_TIMEOUT, "Node " + badTimeout.get(0).get("node")
                    + " has timeout '" + badTimeout.get(0).get("timeout") + "'; use a duration such as \"30s\" or "
                    + "\"1.5m\", more than 0 and at most " + MAX_TIME.toDays() + " days.", Map.of("nodes", badTimeout));
        }
        if (!badRetry.isEmpty()) {
            throw new InvalidGraphException(GraphViolation.INVALID_RETRY,
                    "Invalid retry rule on node " + badRetry.get(0).get("node") + ": " + badRetry.get(0).get("reason") + ".",
                    Map.of("retries", badRetry));
        }
    }

    /** The longest timeout or backoff a node may have. */
    static final java.time.Duration MAX_TIME = java.time.Duration.ofDays(30);

    /** Whether the text is a duration of at most {@link #MAX_TIME} (and more than zero when {@code positive}). */
    private static boolean isDuration(String text, boolean positive) {
        try {
            java.time.Duration d = Durations.parse(text);
            return d.compareTo(MAX_TIME) <= 0 && (!positive || !d.isZero());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** What is wrong with a backoff, if anything. */
    private static java.util.Optional<String> backoffProblem(RetryRule.Backoff b) {
        if (b.initial() == null || !isDuration(b.initial(), true)) {
            return java.util.Optional.of("backoff.initial must be a duration such as \"1s\", more than 0 and at most "
                    + MAX_TIME.toDays() + " days");
        }
        if (b.multiplier() != null && (b.multiplier() < 1 || b.multiplier() > 100 || b.multiplier().isNaN())) {
            return java.util.Optional.of("backoff.multiplier must be between 1 and 100");
        }
        if (b.max() != null && (!isDuration(b.max(), true)
                || Durations.parse(b.max()).compareTo(Durations.parse(b.initial())) < 0)) {
            return java.util.Optional.of("backoff.max must be a duration of at least backoff.initial");
        }
        if (b.jitter() != null && !(b.jitter() >= 0 && b.jitter() <= 1)) {
            return java.util.Optional.of("backoff.jitter must be between 0 and 1");
        }
        return java.util.Optional.empty();
    }

    private static Map<String, Integer> indexNames(List<NodeSpec> nodes) {
        Map<String, Integer> index = new HashMap<>(nodes.size() * 2);
        Set<String> duplicates = new LinkedHashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (index.putIfAbsent(nodes.get(i).name(), i) != null) {
                duplicates.add(nodes.get(i).name());
            }
        }
        if (!duplicates.isEmpty()) {
            throw new InvalidGraphException(GraphViolation.DUPLICATE_NODE,
                    "Duplicate node names: " + abbreviate(duplicates) + ".", Map.of("nodes", List.copyOf(duplicates)));
        }
        return index;
    }

    /** Returns the edges as index pairs. */
    private static int[][] checkEdges(List<Edge> edges, Map<String, Integer> index) {
        int[][] pairs = new int[edges.size()][];
        List<Map<String, Object>> unknown = new ArrayList<>();
        Set<Long> seen = new HashSet<>(edges.size() * 2);
        Set<Map<String, Object>> duplicates = new LinkedHashSet<>();
        for (int i = 0; i < edges.size(); i++) {
            Edge e = edges.get(i);
            Integer s = e == null ? null : index.get(e.source());
            Integer d = e == null ? null : index.get(e.destination());
            if (s == null || d == null) {
                Map<String, Object> fact = new LinkedHashMap<>();
                fact.put("index", i);
                if (e != null) {
                    fact.put("source", String.valueOf(e.source()));
                    fact.put("destination", String.valueOf(e.destination()));
                }
                unknown.add(fact);
                continue;
            }
            if (!seen.add(((long) s << 32) | d)) {
                duplicates.add(Map.of("source", e.source(), "destination", e.destination()));
            }
            pairs[i] = new int[]{s, d};
        }
        if (!unknown.isEmpty()) {
            throw new InvalidGraphException(GraphViolation.UNKNOWN_NODE,
                    "Edges name nodes that are not in the graph.", Map.of("edges", unknown));
        }
        if (!duplicates.isEmpty()) {
            throw new InvalidGraphException(GraphViolation.DUPLICATE_EDGE,
                    "Edges are given more than once.", Map.of("edges", List.copyOf(duplicates)));
        }
        return pairs;
    }

    /** Kahn's algorithm; if nodes remain, walks predecessors among them to report one actual cycle. */
    private static void checkAcyclic(List<NodeSpec> nodes, int[][] edges) {
        int n = nodes.size();
        int[] indegree = new int[n];
        int[][] out = Topology.adjacency(n, edges, false);
        for (int[] e : edges) {
            indegree[e[1]]++;
        }
        int[] queue = new int[n];
        int head = 0;
        int tail = 0;
        for (int i = 0; i < n; i++) {
            if (indegree[i] == 0) {
                queue[tail++] = i;
            }
        }
        while (head < tail) {
            int v = queue[head++];
            for (int w : out[v]) {
                if (--indegree[w] == 0) {
                    queue[tail++] = w;
                }
            }
        }
        if (tail == n) {
            return;
        }
        // Every node left has a predecessor that is also left: walking backwards must repeat a node.
        int[][] in = Topology.adjacency(n, edges, true);
        int start = -1;
        for (int i = 0; i < n && start < 0; i++) {
            if (indegree[i] > 0) {
                start = i;
            }
        }
        Map<Integer, Integer> position = new HashMap<>();
        List<Integer> walk = new ArrayList<>();
        int v = start;
        while (!position.containsKey(v)) {
            position.put(v, walk.size());
            walk.add(v);
            int next = -1;
            for (int p : in[v]) {
                if (indegree[p] > 0) {
                    next = p;
                    break;
                }
            }
            v = next;
        }
        List<String> cycle = new ArrayList<>();
        for (int i = walk.size() - 1; i >= position.get(v); i--) {
            cycle.add(nodes.get(walk.get(i)).name());
        }
        cycle.add(cycle.get(0));
        throw new InvalidGraphException(GraphViolation.CYCLE,
                "The graph contains a cycle: " + abbreviate(cycle).replace(", ", " -> ") + ".", Map.of("cycle", cycle));
    }

    private static String abbreviate(java.util.Collection<String> names) {
        List<String> l = new ArrayList<>(names);
        return l.size() <= 10 ? String.join(", ", l) : String.join(", ", l.subList(0, 10)) + ", … (" + l.size() + " in all)";
    }
}
