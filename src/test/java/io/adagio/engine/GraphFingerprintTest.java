package io.adagio.engine;

import io.adagio.Graphs;
import io.adagio.model.Edge;
import io.adagio.model.GraphSpec;
import io.adagio.model.MetadataValues;
import io.adagio.model.NodeSpec;
import io.adagio.model.RetryRule;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What counts as "the same graph" for an idempotency key. */
class GraphFingerprintTest {
    private static GraphSpec graph(Map<String, MetadataValues> meta, Map<String, RetryRule> retry, List<Edge> edges) {
        return new GraphSpec(List.of(new NodeSpec("a", "debug", meta, retry), NodeSpec.of("b", "debug")), edges);
    }

    @Test
    void theSameGraphWhateverOrderItsMapsCameInHasOneFingerprint() {
        Map<String, MetadataValues> m1 = new LinkedHashMap<>();
        m1.put("x", MetadataValues.of("1"));
        m1.put("y", MetadataValues.of("2"));
        Map<String, MetadataValues> m2 = new LinkedHashMap<>();
        m2.put("y", MetadataValues.of("2"));
        m2.put("x", MetadataValues.of("1"));
        List<Edge> ab = List.of(new Edge("a", "b"));
        assertThat(GraphFingerprint.of(graph(m1, Map.of(), ab))).isEqualTo(GraphFingerprint.of(graph(m2, Map.of(), ab)))
                .hasSize(64).matches("[0-9a-f]+");
        assertThat(GraphFingerprint.of(Graphs.seven())).isEqualTo(GraphFingerprint.of(Graphs.seven()));
    }

    @Test
    void anyDifferenceMakesAnotherFingerprint() {
        List<Edge> ab = List.of(new Edge("a", "b"));
        String base = GraphFingerprint.of(graph(Map.of("x", MetadataValues.of("1")), Map.of(), ab));
        assertThat(GraphFingerprint.of(graph(Map.of("x", MetadataValues.of("2")), Map.of(), ab))).isNotEqualTo(base);
        assertThat(GraphFingerprint.of(graph(Map.of("x", new MetadataValues(List.of("1", ""))), Map.of(), ab))).isNotEqualTo(base);
        assertThat(GraphFingerprint.of(graph(Map.of("x", MetadataValues.of("1")), Map.of("fail", new RetryRule(2)), ab)))
                .isNotEqualTo(base);
        assertThat(GraphFingerprint.of(graph(Map.of("x", MetadataValues.of("1")), Map.of(), List.of()))).isNotEqualTo(base);
        assertThat(GraphFingerprint.of(new GraphSpec(List.of(NodeSpec.of("ab", "debug")), List.of())))
                .as("fields cannot run into each other")
                .isNotEqualTo(GraphFingerprint.of(new GraphSpec(List.of(NodeSpec.of("a", "bdebug")), List.of())));
    }
}
