package io.adagio.api;

import io.adagio.model.Edge;
import io.adagio.model.Node;
import io.adagio.model.Result;
import io.adagio.model.Run;

/**
 * A run as Graphviz DOT: one box per node, coloured by its latest conclusion (or its state while it has
 * none); skipped nodes are grey and dashed; orphaned ones plum.
 */
final class RunGraph {
    private RunGraph() {
    }

    static String dot(Run run) {
        StringBuilder sb = new StringBuilder();
        sb.append("digraph ").append(quote("run " + run.id())).append(" {\n");
        sb.append("  rankdir=LR;\n");
        sb.append("  label=").append(quote(run.id() + " " + run.status()
                + (run.outcome() == null ? "" : " " + run.outcome()))).append(";\n");
        sb.append("  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n");
        for (Node n : run.nodes()) {
            Result last = n.lastAttempt();
            String state = n.skipped() ? "SKIPPED" : last != null && n.status() == io.adagio.model.NodeStatus.COMPLETED
                    ? last.conclusion().name() : n.status().name();
            sb.append("  ").append(quote(n.name())).append(" [label=")
                    .append(quote(n.name() + "\n" + n.spec().runtime() + "\n" + state
                            + (n.attempts().size() > 1 ? " (" + n.attempts().size() + " attempts)" : "")))
                    .append(", fillcolor=").append(quote(colour(n, state)));
            if (n.skipped()) {
                sb.append(", style=\"rounded,filled,dashed\", fontcolor=\"gray40\"");
            }
            sb.append("];\n");
        }
        for (Edge e : run.edges()) {
            sb.append("  ").append(quote(e.source())).append(" -> ").append(quote(e.destination())).append(";\n");
        }
        return sb.append("}\n").toString();
    }

    private static String colour(Node n, String state) {
        return switch (state) {
            case "SUCCESS" -> "palegreen";
            case "FAIL" -> "salmon";
            case "ERROR" -> "orange";
            case "SKIPPED" -> "lightgrey";
            case "RUNNING" -> "lightblue";
            case "READY" -> "lightyellow";
            case "NONE" -> "plum";
            default -> "white";
        };
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
