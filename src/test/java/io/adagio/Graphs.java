package io.adagio;

import io.adagio.model.Edge;
import io.adagio.model.GraphSpec;
import io.adagio.model.MetadataValues;
import io.adagio.model.NodeSpec;
import io.adagio.model.RetryRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Graphs used across tests, built in code (the JSON fixtures of the original live in src/test/resources/graphs). */
public final class Graphs {
    private Graphs() {
    }

    /** The original's graph G: a..g, edges a→c, a→d, b→d, b→f, c→e, d→e, e→g, f→g; all {@code debug}. */
    public static GraphSpec seven() {
        List<NodeSpec> nodes = new ArrayList<>();
        for (String n : List.of("a", "b", "c", "d", "e", "f", "g")) {
            nodes.add(NodeSpec.of(n, "debug"));
        }
        return new GraphSpec(nodes, edges("a>c", "a>d", "b>d", "b>f", "c>e", "d>e", "e>g", "f>g"));
    }

    /** a→x→c, b→c where x retries on {@code condition} up to {@code max} attempts. */
    public static GraphSpec retrying(String x, String condition, int max) {
        NodeSpec retried = new NodeSpec(x, "debug", Map.of(), Map.of(condition, new RetryRule(max)));
        return new GraphSpec(List.of(NodeSpec.of("a", "debug"), NodeSpec.of("b", "debug"), retried, NodeSpec.of("c", "debug")),
                edges("a>" + x, x + ">c", "b>c"));
    }

    /** A single node. */
    public static GraphSpec single(String name) {
        return new GraphSpec(List.of(NodeSpec.of(name, "debug")), List.of());
    }

    /** root → n leaves. */
    public static GraphSpec fanOut(int n, String runtime) {
        List<NodeSpec> nodes = new ArrayList<>();
        List<Edge> edges = new ArrayList<>();
        nodes.add(NodeSpec.of("root", runtime));
        for (int i = 0; i < n; i++) {
            nodes.add(NodeSpec.of("leaf-" + i, runtime));
            edges.add(new Edge("root", "leaf-" + i));
        }
        return new GraphSpec(nodes, edges);
    }

    /** A chain n0 → n1 → … of {@code n} nodes. */
    public static GraphSpec chain(int n, String runtime) {
        List<NodeSpec> nodes = new ArrayList<>(n);
        List<Edge> edges = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            nodes.add(NodeSpec.of("n" + i, runtime));
            if (i > 0) {
                edges.add(new Edge("n" + (i - 1), "n" + i));
            }
        }
        return new GraphSpec(nodes, edges);
    }

    /** {@code layers} layers of {@code width} nodes, each depending on every node of the layer before. */
    public static GraphSpec diamond(int layers, int width, String runtime) {
        List<NodeSpec> nodes = new ArrayList<>();
        List<Edge> edges = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            for (int w = 0; w < width; w++) {
                nodes.add(NodeSpec.of("l" + l + "-" + w, runtime));
                if (l > 0) {
                    for (int p = 0; p < width; p++) {
                        edges.add(new Edge("l" + (l - 1) + "-" + p, "l" + l + "-" + w));
                    }
                }
            }
        }
        return new GraphSpec(nodes, edges);
    }

    /** A node spec with one debug argument. */
    public static NodeSpec debug(String name, String arg, String... values) {
        return new NodeSpec(name, "debug", Map.of("adagio.arguments.debug." + arg, new MetadataValues(List.of(values))), Map.of());
    }

    /** Edges written "a>c". */
    public static List<Edge> edges(String... pairs) {
        List<Edge> out = new ArrayList<>();
        for (String p : pairs) {
            String[] s = p.split(">");
            out.add(new Edge(s[0], s[1]));
        }
        return out;
    }
}
