package io.adagio.engine;

import io.adagio.model.Edge;
import io.adagio.model.NodeSpec;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The immutable shape of a validated graph: node specs by name, parents and children. Built once per run
 * and cacheable, since a run's spec never changes.
 */
public final class Topology {
    private final List<NodeSpec> specs;
    private final List<Edge> edges;
    private final Map<String, Integer> index;
    private final int[][] parents;
    private final int[][] children;

    private Topology(List<NodeSpec> specs, List<Edge> edges) {
        this.specs = List.copyOf(specs);
        this.edges = List.copyOf(edges);
        this.index = new HashMap<>(specs.size() * 2);
        for (int i = 0; i < specs.size(); i++) {
            index.put(specs.get(i).name(), i);
        }
        int[][] pairs = new int[edges.size()][];
        for (int i = 0; i < edges.size(); i++) {
            pairs[i] = new int[]{index.get(edges.get(i).source()), index.get(edges.get(i).destination())};
        }
        this.children = adjacency(specs.size(), pairs, false);
        this.parents = adjacency(specs.size(), pairs, true);
    }

    /** The topology of a graph that passed {@link GraphValidator}. */
    public static Topology of(List<NodeSpec> specs, List<Edge> edges) {
        return new Topology(specs, edges);
    }

    /** Compact adjacency lists: for each node its successors (or predecessors when {@code reverse}). */
    static int[][] adjacency(int n, int[][] edges, boolean reverse) {
        int[] degree = new int[n];
        for (int[] e : edges) {
            degree[reverse ? e[1] : e[0]]++;
        }
        int[][] adj = new int[n][];
        for (int i = 0; i < n; i++) {
            adj[i] = new int[degree[i]];
        }
        int[] fill = new int[n];
        for (int[] e : edges) {
            int from = reverse ? e[1] : e[0];
            adj[from][fill[from]++] = reverse ? e[0] : e[1];
        }
        return adj;
    }

    public List<NodeSpec> specs() {
        return specs;
    }

    public List<Edge> edges() {
        return edges;
    }

    public int size() {
        return specs.size();
    }

    public boolean contains(String name) {
        return index.containsKey(name);
    }

    /** The spec of a node of this graph. */
    public NodeSpec spec(String name) {
        return specs.get(indexOf(name));
    }

    /** The position of a node in submission order. */
    public int indexOf(String name) {
        Integer i = index.get(name);
        if (i == null) {
            throw new IllegalArgumentException("no node " + name);
        }
        return i;
    }

    public List<String> parents(String name) {
        return names(parents[indexOf(name)]);
    }

    public List<String> children(String name) {
        return names(children[indexOf(name)]);
    }

    /** Whether the node has no incoming edges (it is READY at start). */
    public boolean isRoot(String name) {
        return parents[indexOf(name)].length == 0;
    }

    /** Every node reachable from {@code name} (excluding it), breadth first. */
    public Set<String> downstream(String name) {
        return reach(name, c -> true);
    }

    /**
     * What a final failure of {@code failed} reaches: every node downstream of it, breadth first, except past a
     * node that runs whatever happened upstream ({@link NodeSpec#runsWhateverHappened}): such a node is reached
     * (it hears that its parent finished) but the failure goes no further through it.
     */
    public Set<String> reachedByFailure(String failed) {
        return reach(failed, c -> !specs.get(c).runsWhateverHappened());
    }

    /** The nodes reachable from {@code from} (excluding it), breadth first, going on only through those {@code through} lets. */
    private Set<String> reach(String from, java.util.function.IntPredicate through) {
        boolean[] seen = new boolean[specs.size()];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        queue.add(indexOf(from));
        Set<String> out = new LinkedHashSet<>();
        while (!queue.isEmpty()) {
            for (int c : children[queue.poll()]) {
                if (!seen[c]) {
                    seen[c] = true;
                    out.add(specs.get(c).name());
                    if (through.test(c)) {
                        queue.add(c);
                    }
                }
            }
        }
        return Collections.unmodifiableSet(out);
    }

    private List<String> names(int[] idx) {
        List<String> out = new ArrayList<>(idx.length);
        for (int i : idx) {
            out.add(specs.get(i).name());
        }
        return out;
    }
}
