package io.adagio.engine;

import io.adagio.Graphs;
import io.adagio.model.Edge;
import io.adagio.model.GraphSpec;
import io.adagio.model.NodeSpec;
import io.adagio.model.RetryRule;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class GraphValidatorTest {
    private final GraphValidator validator = new GraphValidator(GraphLimits.DEFAULT);

    /** Validates and returns the rejection, failing the test when the graph is accepted. */
    private static InvalidGraphException rejection(GraphValidator validator, GraphSpec graph) {
        InvalidGraphException e = catchThrowableOfType(InvalidGraphException.class, () -> validator.validate(graph));
        assertThat(e).as("graph should be rejected").isNotNull();
        return e;
    }

    private InvalidGraphException rejection(GraphSpec graph) {
        return rejection(validator, graph);
    }

    private static GraphSpec graph(List<NodeSpec> nodes, String... edges) {
        return new GraphSpec(nodes, Graphs.edges(edges));
    }

    private static List<NodeSpec> debugNodes(String... names) {
        List<NodeSpec> out = new ArrayList<>();
        for (String n : names) {
            out.add(NodeSpec.of(n, "debug"));
        }
        return out;
    }

    @Nested
    class EmptyGraph {
        @Test
        void nullGraphIsEmpty() {
            InvalidGraphException e = rejection(null);
            assertThat(e.violation()).isEqualTo(GraphViolation.EMPTY_GRAPH);
            assertThat(e.facts()).isEmpty();
        }

        @Test
        void nullNodeListIsEmpty() {
            InvalidGraphException e = rejection(new GraphSpec(null, null));
            assertThat(e.violation()).isEqualTo(GraphViolation.EMPTY_GRAPH);
        }

        @Test
        void emptyNodeListIsEmptyEvenWithEdges() {
            InvalidGraphException e = rejection(new GraphSpec(List.of(), Graphs.edges("a>b")));
            assertThat(e.violation()).isEqualTo(GraphViolation.EMPTY_GRAPH);
        }
    }

    @Nested
    class TooManyNodes {
        @Test
        void moreNodesThanTheConfiguredLimitAreRejectedWithCountAndLimit() {
            GraphValidator small = new GraphValidator(new GraphLimits(3));
            InvalidGraphException e = rejection(small, Graphs.chain(4, "debug"));
            assertThat(e.violation()).isEqualTo(GraphViolation.TOO_MANY_NODES);
            assertThat(e.facts()).containsEntry("node_count", 4).containsEntry("max_nodes", 3);
        }

        @Test
        void exactlyTheLimitIsAccepted() {
            GraphValidator small = new GraphValidator(new GraphLimits(3));
            assertThatCode(() -> small.validate(Graphs.chain(3, "debug"))).doesNotThrowAnyException();
        }

        @Test
        void defaultLimitIsTenThousand() {
            assertThatCode(() -> validator.validate(Graphs.chain(10_000, "debug"))).doesNotThrowAnyException();
            InvalidGraphException e = rejection(Graphs.chain(10_001, "debug"));
            assertThat(e.violation()).isEqualTo(GraphViolation.TOO_MANY_NODES);
            assertThat(e.facts()).containsEntry("node_count", 10_001).containsEntry("max_nodes", 10_000);
        }
    }

    @Nested
    class MissingName {
        @Test
        void nullNodeHasNoName() {
            List<NodeSpec> nodes = new ArrayList<>(debugNodes("a", "b"));
            nodes.add(1, null);
            InvalidGraphException e = rejection(new GraphSpec(nodes, List.of()));
            assertThat(e.violation()).isEqualTo(GraphViolation.MISSING_NAME);
            assertThat(e.facts()).containsEntry("indexes", List.of(1));
        }

        @Test
        void nullNameIsMissingAndEveryPositionIsListed() {
            List<NodeSpec> nodes = List.of(NodeSpec.of(null, "debug"), NodeSpec.of("a", "debug"), NodeSpec.of(null, "debug"));
            InvalidGraphException e = rejection(new GraphSpec(nodes, List.of()));
            assertThat(e.violation()).isEqualTo(GraphViolation.MISSING_NAME);
            assertThat(e.facts()).containsEntry("indexes", List.of(0, 2));
        }
    }

    @Nested
    class InvalidName {
        private InvalidGraphException rejectName(String name) {
            InvalidGraphException e = rejection(graph(List.of(NodeSpec.of("ok", "debug"), NodeSpec.of(name, "debug"))));
            assertThat(e.violation()).isEqualTo(GraphViolation.INVALID_NAME);
            assertThat(e.facts()).containsOnlyKeys("nodes");
            List<?> nodes = (List<?>) e.facts().get("nodes");
            assertThat(nodes).hasSize(1);
            @SuppressWarnings("unchecked")
            Map<String, Object> fact = (Map<String, Object>) nodes.get(0);
            assertThat(fact).containsEntry("index", 1).containsEntry("name", name).containsKey("reason");
            return e;
        }

        private static String reason(InvalidGraphException e) {
            return (String) ((Map<?, ?>) ((List<?>) e.facts().get("nodes")).get(0)).get("reason");
        }

        @Test
        void emptyName() {
            assertThat(reason(rejectName(""))).isEqualTo("empty");
        }

        @Test
        void nameLongerThan256Utf8BytesCountsBytesNotChars() {
            String euros = "€".repeat(86);
            assertThat(euros).hasSize(86);
            assertThat(euros.getBytes(StandardCharsets.UTF_8)).hasSize(258);
            assertThat(reason(rejectName(euros))).contains("256");
        }

        @Test
        void nameOf257AsciiBytesIsTooLong() {
            assertThat(reason(rejectName("x".repeat(257)))).contains("256");
        }

        @Test
        void namesUpTo256BytesAreAccepted() {
            String ascii = "x".repeat(256);
            String euros = "€".repeat(85); // 255 bytes
            assertThatCode(() -> validator.validate(graph(debugNodes(ascii, euros)))).doesNotThrowAnyException();
        }

        @Test
        void nameWithSlash() {
            assertThat(reason(rejectName("a/b"))).contains("'/'");
        }

        @ParameterizedTest
        @ValueSource(strings = {"bell\u0007", "new\nline", "tab\tbed", "nul\u0000", "del\u007F"})
        void nameWithControlCharacter(String name) {
            assertThat(reason(rejectName(name))).contains("control character");
        }

        @ParameterizedTest
        @ValueSource(strings = {"evil\u202Etxt.exe", "iso\u2066late", "lrm\u200E", "alm\u061C"})
        void nameWithBidiControl(String name) {
            assertThat(reason(rejectName(name))).contains("control character");
        }

        @Test
        void bidiReasonNamesTheCodePoint() {
            assertThat(reason(rejectName("x\u202Ey"))).contains("U+202E");
        }

        @Test
        void unicodeLettersAndPunctuationAreFine() {
            assertThatCode(() -> validator.validate(graph(debugNodes("größe", "日本語", "a.b-c_d:e", "emoji-\uD83D\uDE00"))))
                    .doesNotThrowAnyException();
        }
    }

    @Nested
    class MissingRuntime {
        @Test
        void nullAndBlankRuntimesAreListedByName() {
            List<NodeSpec> nodes = List.of(NodeSpec.of("a", null), NodeSpec.of("b", "debug"), NodeSpec.of("c", "  "),
                    NodeSpec.of("d", ""));
            InvalidGraphException e = rejection(new GraphSpec(nodes, List.of()));
            assertThat(e.violation()).isEqualTo(GraphViolation.MISSING_RUNTIME);
            assertThat(e.facts()).containsEntry("nodes", List.of("a", "c", "d"));
        }
    }

    @Nested
    class DuplicateNodes {
        @Test
        void factsListEachDuplicateOnce() {
            InvalidGraphException e = rejection(graph(debugNodes("a", "b", "a", "c", "b", "a")));
            assertThat(e.violation()).isEqualTo(GraphViolation.DUPLICATE_NODE);
            assertThat(e.facts()).containsEntry("nodes", List.of("a", "b"));
        }
    }

    @Nested
    class Triggers {
        @Test
        void allSuccessAndAllDoneAreAcceptedAndAnythingElseIsAnInvalidTrigger() {
            for (String ok : new String[]{null, NodeSpec.ALL_SUCCESS, NodeSpec.ALL_DONE}) {
                validator.validate(graph(List.of(NodeSpec.of("a", "debug"), new NodeSpec("x", "debug", Map.of(), Map.of(), ok)), "a>x"));
            }
            InvalidGraphException e = rejection(graph(List.of(NodeSpec.of("a", "debug"),
                    new NodeSpec("x", "debug", Map.of(), Map.of(), "one_failed")), "a>x"));
            assertThat(e.violation()).isEqualTo(GraphViolation.INVALID_TRIGGER);
            assertThat(e.violation().slug()).isEqualTo("invalid-trigger");
            assertThat(e.facts().get("nodes")).isEqualTo(List.of(Map.of("node", "x", "trigger", "one_failed")));
        }
    }

    @Nested
    class InvalidTimeout {
        @org.junit.jupiter.params.ParameterizedTest
        @org.junit.jupiter.params.provider.ValueSource(strings = {"soon", "0s", "-1s", "31d", "1d", ""})
        void aTimeoutMustBeAPositiveDurationOfAtMostThirtyDays(String timeout) {
            InvalidGraphException e = rejection(graph(List.of(new NodeSpec("x", "debug", Map.of(), Map.of(), null, timeout))));
            assertThat(e.violation()).isEqualTo(GraphViolation.INVALID_TIMEOUT);
            assertThat(e.violation().slug()).isEqualTo("invalid-timeout");
            assertThat(e.facts().get("nodes")).isEqualTo(List.of(Map.of("node", "x", "timeout", timeout)));
        }

        @org.junit.jupiter.params.ParameterizedTest
        @org.junit.jupiter.params.provider.ValueSource(strings = {"1.5s", "30s", "2h", "720h", "250ms"})
        void durationsAreAccepted(String timeout) {
            validator.validate(graph(List.of(new NodeSpec("x", "debug", Map.of(), Map.of(),
                    null, timeout))));
        }
    }

    @Nested
    class InvalidRetry {
        private InvalidGraphException rejectRetry(Map<String, RetryRule> retry) {
            NodeSpec x = new NodeSpec("x", "debug", Map.of(), retry);
            InvalidGraphException e = rejection(graph(List.of(NodeSpec.of("a", "debug"), x), "a>x"));
            assertThat(e.violation()).isEqualTo(GraphViolation.INVALID_RETRY);
            return e;
        }

        @SuppressWarnings("unchecked")
        private static Map<String, Object> onlyFact(InvalidGraphException e) {
            List<Map<String, Object>> retries = (List<Map<String, Object>>) e.facts().get("retries");
            assertThat(retries).hasSize(1);
            return retries.get(0);
        }

        @Test
        void unknownCondition() {
            Map<String, Object> fact = onlyFact(rejectRetry(Map.of("timeout", new RetryRule(3))));
            assertThat(fact).containsEntry("node", "x").containsEntry("condition", "timeout");
            assertThat((String) fact.get("reason")).contains("unknown condition");
        }

        @Test
        void conditionsAreCaseSensitive() {
            assertThat(onlyFact(rejectRetry(Map.of("FAIL", new RetryRule(3))))).containsEntry("condition", "FAIL");
        }

        @Test
        void maxAttemptsZero() {
            Map<String, Object> fact = onlyFact(rejectRetry(Map.of("fail", new RetryRule(0))));
            assertThat(fact).containsEntry("node", "x").containsEntry("condition", "fail");
            assertThat((String) fact.get("reason")).contains("at least 1");
        }

        @Test
        void maxAttemptsNegative() {
            assertThat(onlyFact(rejectRetry(Map.of("error", new RetryRule(-1))))).containsEntry("condition", "error");
        }

        @org.junit.jupiter.params.ParameterizedTest
        @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
                "soon|2.0|1m|0.1|backoff.initial",
                "0s|2.0|1m|0.1|backoff.initial",
                "1s|0.5|1m|0.1|backoff.multiplier",
                "10s|2.0|1s|0.1|backoff.max",
                "1s|2.0|1m|1.5|backoff.jitter",
                "1s|2.0|1m|-0.1|backoff.jitter"})
        void invalidBackoffs(String initial, double multiplier, String max, double jitter, String field) {
            Map<String, Object> fact = onlyFact(rejectRetry(Map.of("error",
                    new RetryRule(3, new RetryRule.Backoff(initial, multiplier, max, jitter)))));
            assertThat(fact).containsEntry("node", "x").containsEntry("condition", "error");
            assertThat((String) fact.get("reason")).startsWith(field);
        }

        @Test
        void aBackoffNeedsOnlyItsInitialWait() {
            validator.validate(graph(List.of(new NodeSpec("x", "debug", Map.of(),
                    Map.of("error", new RetryRule(3, new RetryRule.Backoff("1.5s", null, null, null)))))));
        }

        @Test
        void maxAttemptsNull() {
            Map<String, Object> fact = onlyFact(rejectRetry(Map.of("error", new RetryRule(null))));
            assertThat((String) fact.get("reason")).contains("at least 1");
        }

        @Test
        void nullRule() {
            Map<String, RetryRule> retry = new HashMap<>();
            retry.put("fail", null);
            assertThat(onlyFact(rejectRetry(retry))).containsEntry("condition", "fail");
        }

        @Test
        void validRulesPass() {
            NodeSpec x = new NodeSpec("x", "debug", Map.of(), Map.of("fail", new RetryRule(1), "error", new RetryRule(5)));
            assertThatCode(() -> validator.validate(new GraphSpec(List.of(x), List.of()))).doesNotThrowAnyException();
        }
    }

    @Nested
    class UnknownNodes {
        @Test
        void unknownSourceAndDestinationAreBothListedWithTheirEdgeIndex() {
            InvalidGraphException e = rejection(graph(debugNodes("a", "b"), "a>b", "ghost>b", "a>nowhere"));
            assertThat(e.violation()).isEqualTo(GraphViolation.UNKNOWN_NODE);
            assertThat(e.facts()).containsEntry("edges", List.of(
                    Map.of("index", 1, "source", "ghost", "destination", "b"),
                    Map.of("index", 2, "source", "a", "destination", "nowhere")));
        }

        @Test
        void nullEdgeIsReportedByIndex() {
            List<Edge> edges = new ArrayList<>(Graphs.edges("a>b"));
            edges.add(null);
            InvalidGraphException e = rejection(new GraphSpec(debugNodes("a", "b"), edges));
            assertThat(e.violation()).isEqualTo(GraphViolation.UNKNOWN_NODE);
            assertThat(e.facts()).containsEntry("edges", List.of(Map.of("index", 1)));
        }
    }

    @Nested
    class DuplicateEdges {
        @Test
        void factsListTheRepeatedEdgesOnce() {
            InvalidGraphException e = rejection(graph(debugNodes("a", "b", "c"), "a>b", "b>c", "a>b", "b>c", "a>b"));
            assertThat(e.violation()).isEqualTo(GraphViolation.DUPLICATE_EDGE);
            assertThat(e.facts()).containsEntry("edges", List.of(
                    Map.of("source", "a", "destination", "b"),
                    Map.of("source", "b", "destination", "c")));
        }

        @Test
        void oppositeDirectionsAreNotDuplicates() {
            InvalidGraphException e = rejection(graph(debugNodes("a", "b"), "a>b", "b>a"));
            assertThat(e.violation()).isEqualTo(GraphViolation.CYCLE);
        }
    }

    @Nested
    class Cycles {
        @SuppressWarnings("unchecked")
        private List<String> cycleOf(GraphSpec graph) {
            InvalidGraphException e = rejection(graph);
            assertThat(e.violation()).isEqualTo(GraphViolation.CYCLE);
            List<String> cycle = (List<String>) e.facts().get("cycle");
            assertIsCycleOf(cycle, graph);
            return cycle;
        }

        /** The cycle is closed, every step is an edge of the graph, and no node repeats except the closing one. */
        private static void assertIsCycleOf(List<String> cycle, GraphSpec graph) {
            assertThat(cycle).hasSizeGreaterThanOrEqualTo(2);
            assertThat(cycle.get(0)).isEqualTo(cycle.get(cycle.size() - 1));
            Set<Edge> edges = new HashSet<>(graph.edges());
            for (int i = 0; i + 1 < cycle.size(); i++) {
                assertThat(edges).as("step %d of %s", i, cycle).contains(new Edge(cycle.get(i), cycle.get(i + 1)));
            }
            assertThat(new LinkedHashSet<>(cycle.subList(0, cycle.size() - 1))).hasSize(cycle.size() - 1);
        }

        @Test
        void selfLoop() {
            assertThat(cycleOf(graph(debugNodes("a"), "a>a"))).containsExactly("a", "a");
        }

        @Test
        void twoCycle() {
            List<String> cycle = cycleOf(graph(debugNodes("a", "b"), "a>b", "b>a"));
            assertThat(cycle).hasSize(3);
            assertThat(cycle.subList(0, 2)).containsExactlyInAnyOrder("a", "b");
        }

        @Test
        void cycleMessageShowsThePath() {
            InvalidGraphException e = rejection(graph(debugNodes("a"), "a>a"));
            assertThat(e.getMessage()).contains("a -> a");
        }

        @Test
        void longRingIsReportedAsAnActualPathThroughEveryNode() {
            int n = 1_000;
            List<NodeSpec> nodes = new ArrayList<>();
            List<Edge> edges = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                nodes.add(NodeSpec.of("r" + i, "debug"));
                edges.add(new Edge("r" + i, "r" + ((i + 1) % n)));
            }
            List<String> cycle = cycleOf(new GraphSpec(nodes, edges));
            assertThat(cycle).hasSize(n + 1);
        }

        @Test
        void cycleHangingOffAnAcyclicPart() {
            // a -> b -> c -> d -> b, plus an acyclic branch a -> e and a tail c -> t listed first.
            List<NodeSpec> nodes = debugNodes("t", "a", "e", "b", "c", "d");
            List<String> cycle = cycleOf(graph(nodes, "a>b", "a>e", "b>c", "c>d", "d>b", "c>t"));
            assertThat(cycle).hasSize(4);
            assertThat(cycle.subList(0, 3)).containsExactlyInAnyOrder("b", "c", "d");
        }

        @Test
        void onlyOneOfSeveralCyclesIsReported() {
            List<String> cycle = cycleOf(graph(debugNodes("a", "b", "c", "d"), "a>b", "b>a", "c>d", "d>c"));
            assertThat(cycle).hasSize(3);
        }
    }

    @Nested
    class ValidGraphs {
        @Test
        void sevenNodeGraphG() {
            assertThatCode(() -> validator.validate(Graphs.seven())).doesNotThrowAnyException();
        }

        @Test
        void diamond() {
            assertThatCode(() -> validator.validate(graph(debugNodes("a", "b", "c", "d"), "a>b", "a>c", "b>d", "c>d")))
                    .doesNotThrowAnyException();
            assertThatCode(() -> validator.validate(Graphs.diamond(4, 3, "debug"))).doesNotThrowAnyException();
        }

        @Test
        void singleNodeAndDisconnectedNodes() {
            assertThatCode(() -> validator.validate(Graphs.single("only"))).doesNotThrowAnyException();
            assertThatCode(() -> validator.validate(graph(debugNodes("x", "y", "z")))).doesNotThrowAnyException();
        }
    }

    @Nested
    class Scale {
        @Test
        void chainOf100kNodesIsRejectedByTheDefaultLimit() {
            InvalidGraphException e = rejection(Graphs.chain(100_000, "debug"));
            assertThat(e.violation()).isEqualTo(GraphViolation.TOO_MANY_NODES);
            assertThat(e.facts()).containsEntry("node_count", 100_000);
        }

        @Test
        void chainOf100kNodesIsAcceptedWithARaisedLimitWithoutOverflowingTheStack() {
            GraphValidator big = new GraphValidator(new GraphLimits(200_000));
            assertThatCode(() -> big.validate(Graphs.chain(100_000, "debug"))).doesNotThrowAnyException();
        }

        @Test
        void chainOf100kNodesClosedIntoARingReportsTheWholeRing() {
            GraphSpec chain = Graphs.chain(100_000, "debug");
            List<Edge> edges = new ArrayList<>(chain.edges());
            edges.add(new Edge("n99999", "n0"));
            GraphValidator big = new GraphValidator(new GraphLimits(200_000));
            InvalidGraphException e = rejection(big, new GraphSpec(chain.nodes(), edges));
            assertThat(e.violation()).isEqualTo(GraphViolation.CYCLE);
            assertThat((List<?>) e.facts().get("cycle")).hasSize(100_001);
        }

        @Test
        void randomDagOf10kNodesAnd50kEdgesValidatesQuickly() {
            int n = 10_000;
            int m = 50_000;
            Random random = new Random(42);
            List<NodeSpec> nodes = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                nodes.add(NodeSpec.of("v" + i, "debug"));
            }
            Set<Long> seen = new HashSet<>();
            List<Edge> edges = new ArrayList<>(m);
            while (edges.size() < m) {
                int i = random.nextInt(n - 1);
                int j = i + 1 + random.nextInt(n - 1 - i);
                if (seen.add((long) i * n + j)) {
                    edges.add(new Edge("v" + i, "v" + j));
                }
            }
            GraphSpec dag = new GraphSpec(nodes, edges);
            // "well under a second"; 5 s only guards against quadratic blow-ups on a slow machine.
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> validator.validate(dag));
        }
    }

    @Test
    void violationsAreReportedInOrderOfKind() {
        // Missing runtime and a cycle and a duplicate: the node-level check comes first.
        List<NodeSpec> nodes = List.of(NodeSpec.of("a", null), NodeSpec.of("b", "debug"));
        assertThat(rejection(graph(nodes, "a>b", "b>a")).violation()).isEqualTo(GraphViolation.MISSING_RUNTIME);
        assertThat(rejection(graph(debugNodes("a", "a"), "a>ghost")).violation()).isEqualTo(GraphViolation.DUPLICATE_NODE);
        assertThat(rejection(graph(debugNodes("a", "b"), "a>ghost", "a>b", "a>b")).violation())
                .isEqualTo(GraphViolation.UNKNOWN_NODE);
        assertThat(Arrays.asList(GraphViolation.values())).extracting(GraphViolation::slug).doesNotHaveDuplicates();
    }
}
