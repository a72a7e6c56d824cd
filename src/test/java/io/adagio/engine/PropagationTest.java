package io.adagio.engine;

import io.adagio.Graphs;
import io.adagio.model.Claim;
import io.adagio.model.Conclusion;
import io.adagio.model.Edge;
import io.adagio.model.Event;
import io.adagio.model.EventType;
import io.adagio.model.GraphSpec;
import io.adagio.model.Node;
import io.adagio.model.NodeSpec;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.model.RetryRule;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link Transitions#settle} + {@link Propagation}: the finish of a backend that passes it on in later steps. */
class PropagationTest {
    private static final String RUN = "01JRUN0000000000000000000";
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00.123456789Z");
    private static final Instant T1 = T0.plusSeconds(1);

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Node running(Node n, String claimId) {
        return n.claimedBy(Claim.of(claimId), T0);
    }

    @Test
    void aSuccessPassesItsOutputToEveryChildAndPromotesThoseWithAllInputs() {
        GraphSpec g = Graphs.seven();
        Topology t = Topology.of(g.nodes(), g.edges());
        Node a = running(Node.initial(t.spec("a"), NodeStatus.READY), "c-a");
        FinishDecision d = Transitions.settle(a, "c-a", Result.of(Conclusion.SUCCESS, "A"), T1);
        Node done = ((FinishDecision.Applied) d).finished();
        assertThat(done.status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(done.finishedAt()).isEqualTo(T1);

        Propagation p = Transitions.propagation(t, done).orElseThrow();
        assertThat(p.kind()).isEqualTo(Propagation.Kind.OUTPUT);
        assertThat(p.targets(t)).containsExactly("c", "d");
        Node c = p.apply(t, Node.initial(t.spec("c"), NodeStatus.WAITING)).orElseThrow();
        assertThat(c.status()).isEqualTo(NodeStatus.READY);
        assertThat(c.inputsFrom()).containsExactly("a");
        assertThat(c.inputs()).as("not copied: filled in when read").isNull();
        assertThat(new String(Inputs.filled(c, Map.of("a", done)::get).inputs().get("a"), StandardCharsets.UTF_8))
                .isEqualTo("A");
        Node d1 = p.apply(t, Node.initial(t.spec("d"), NodeStatus.WAITING)).orElseThrow();
        assertThat(d1.status()).as("d still waits for b").isEqualTo(NodeStatus.WAITING);
        assertThat(p.apply(t, c)).as("applied twice").isEmpty();
        assertThat(p.apply(t, d1)).as("applied twice").isEmpty();
        Node d2 = new Propagation("b", Propagation.Kind.OUTPUT, T1).apply(t, d1).orElseThrow();
        assertThat(d2.status()).isEqualTo(NodeStatus.READY);
        assertThat(d2.inputsFrom()).containsExactly("a", "b");
    }

    @Test
    void anOutputReachesACompletedChildWithoutChangingItsState() {
        GraphSpec g = Graphs.seven();
        Topology t = Topology.of(g.nodes(), g.edges());
        Node skipped = Node.initial(t.spec("e"), NodeStatus.WAITING).asSkipped(T0);
        Node next = new Propagation("c", Propagation.Kind.OUTPUT, T1).apply(t, skipped).orElseThrow();
        assertThat(next.status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(next.skipped()).isTrue();
        assertThat(next.inputsFrom()).containsExactly("c");
    }

    @Test
    void aFinalFailureSkipsTheDownstreamNotYetCompleted() {
        GraphSpec g = Graphs.seven();
        Topology t = Topology.of(g.nodes(), g.edges());
        Node d = running(Node.initial(t.spec("d"), NodeStatus.READY), "c-d");
        Node done = ((FinishDecision.Applied) Transitions.settle(d, "c-d", Result.of(Conclusion.FAIL, "x"), T1)).finished();
        Propagation p = Transitions.propagation(t, done).orElseThrow();
        assertThat(p.kind()).isEqualTo(Propagation.Kind.SKIP);
        assertThat(p.at()).isEqualTo(T1);
        assertThat(p.targets(t)).containsExactly("e", "g");
        Node e = p.apply(t, Node.initial(t.spec("e"), NodeStatus.WAITING)).orElseThrow();
        assertThat(e.status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(e.skipped()).isTrue();
        assertThat(e.finishedAt()).isEqualTo(T1);
        assertThat(p.apply(t, e)).isEmpty();
    }

    /** a → b → c(all_done) → d, x → c, a → v → d: a's final failure skips b, v and d, not c, which waits for x. */
    @Test
    void aFailureStopsAtANodeThatRunsWhateverHappenedWhichHearsItsParentsFinished() {
        NodeSpec cleanup = new NodeSpec("c", "debug", Map.of(), Map.of(), NodeSpec.ALL_DONE);
        GraphSpec g = new GraphSpec(List.of(NodeSpec.of("a", "debug"), NodeSpec.of("b", "debug"), cleanup,
                NodeSpec.of("d", "debug"), NodeSpec.of("x", "debug"), NodeSpec.of("v", "debug")),
                List.of(new Edge("a", "b"), new Edge("b", "c"), new Edge("c", "d"), new Edge("x", "c"),
                        new Edge("a", "v"), new Edge("v", "d")));
        Topology t = Topology.of(g.nodes(), g.edges());
        Map<String, Node> nodes = initial(t);
        Node a = running(nodes.get("a"), "c-a");
        Node failed = ((FinishDecision.Applied) Transitions.settle(a, "c-a", Result.of(Conclusion.FAIL, "x"), T1)).finished();
        Propagation p = Transitions.propagation(t, failed).orElseThrow();
        assertThat(p.targets(t)).containsExactlyInAnyOrder("b", "v", "c", "d");
        for (String target : p.targets(t)) {
            p.apply(t, nodes.get(target)).ifPresent(n -> nodes.put(target, n));
        }
        assertThat(nodes.get("b").skipped()).isTrue();
        assertThat(nodes.get("v").skipped()).isTrue();
        assertThat(nodes.get("d").skipped()).as("also downstream of a through v").isTrue();
        assertThat(nodes.get("c").skipped()).isFalse();
        assertThat(nodes.get("c").status()).as("waits for x").isEqualTo(NodeStatus.WAITING);
        assertThat(nodes.get("c").inputsFrom()).containsExactly("b");
        assertThat(p.apply(t, nodes.get("c"))).as("applied twice").isEmpty();

        Node x = running(nodes.get("x"), "c-x");
        Node done = ((FinishDecision.Applied) Transitions.settle(x, "c-x", Result.of(Conclusion.SUCCESS, "X"), T1)).finished();
        Node c = Transitions.propagation(t, done).orElseThrow().apply(t, nodes.get("c")).orElseThrow();
        assertThat(c.status()).isEqualTo(NodeStatus.READY);
        assertThat(Inputs.filled(c, Map.of("b", nodes.get("b"), "x", done)::get).inputs())
                .as("only the succeeded parent brings an input").containsOnlyKeys("x");
    }

    @Test
    void aNodeThatRunsWhateverHappenedRunsAfterItsOnlyParentFailed() {
        GraphSpec g = new GraphSpec(List.of(NodeSpec.of("work", "debug"),
                new NodeSpec("cleanup", "debug", Map.of(), Map.of(), NodeSpec.ALL_DONE)), List.of(new Edge("work", "cleanup")));
        Topology t = Topology.of(g.nodes(), g.edges());
        Node work = running(Node.initial(t.spec("work"), NodeStatus.READY), "c-w");
        Node failed = ((FinishDecision.Applied) Transitions.settle(work, "c-w", Result.of(Conclusion.ERROR, "boom"), T1)).finished();
        Node cleanup = Transitions.propagation(t, failed).orElseThrow()
                .apply(t, Node.initial(t.spec("cleanup"), NodeStatus.WAITING)).orElseThrow();
        assertThat(cleanup.status()).isEqualTo(NodeStatus.READY);
        assertThat(cleanup.skipped()).isFalse();
    }

    @Test
    void aRetryOrALeafPassesNothingOn() {
        GraphSpec g = Graphs.retrying("h", "error", 2);
        Topology t = Topology.of(g.nodes(), g.edges());
        Node h = running(Node.initial(t.spec("h"), NodeStatus.READY), "c-h");
        FinishDecision.Applied retry = (FinishDecision.Applied) Transitions.settle(h, "c-h",
                Result.of(Conclusion.ERROR, "x"), T1);
        assertThat(retry.finished().status()).isEqualTo(NodeStatus.READY);
        assertThat(NodeEvents.of(RUN, h.spec(), h.status(), retry.finished().status())).map(Event::type)
                .contains(EventType.NODE_READY);
        assertThat(Transitions.propagation(t, retry.finished())).isEmpty();
        Node c = running(Node.initial(t.spec("c"), NodeStatus.READY), "c-c");
        Node leaf = ((FinishDecision.Applied) Transitions.settle(c, "c-c", Result.of(Conclusion.SUCCESS, "x"), T1)).finished();
        assertThat(Transitions.propagation(t, leaf)).isEmpty();
    }

    @Test
    void settleRejectsStaleClaimsAndRecognisesRepeats() {
        GraphSpec g = Graphs.single("a");
        Topology t = Topology.of(g.nodes(), g.edges());
        Node a = running(Node.initial(t.spec("a"), NodeStatus.READY), "c-a");
        Result ok = Result.of(Conclusion.SUCCESS, "A");
        assertThat(Transitions.settle(a, "other", ok, T1)).isInstanceOf(FinishDecision.Stale.class);
        Node done = ((FinishDecision.Applied) Transitions.settle(a, "c-a", ok, T1)).finished();
        assertThat(Transitions.settle(done, "c-a", ok, T1)).isInstanceOf(FinishDecision.Repeated.class);
        assertThat(Transitions.settle(done, "c-a", Result.of(Conclusion.SUCCESS, "B"), T1))
                .isInstanceOf(FinishDecision.Stale.class);
    }

    /**
     * On random graphs with random results: finishing by {@link Transitions#settle} and then applying the
     * propagation target by target, in a shuffled order and each twice (as batches, replays and racing
     * replicas do), ends exactly where applying it once to every target in order (one atomic step) ends.
     */
    @Test
    void propagatingInAnyOrderAndTwiceEqualsTheAtomicFinish() {
        for (int seed = 0; seed < 300; seed++) {
            Random random = new Random(seed);
            GraphSpec g = randomGraph(random);
            Topology t = Topology.of(g.nodes(), g.edges());
            Map<String, Node> atomic = initial(t);
            Map<String, Node> stepwise = initial(t);
            Map<String, List<Conclusion>> script = new TreeMap<>();
            for (NodeSpec s : g.nodes()) {
                List<Conclusion> cs = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    int r = random.nextInt(10);
                    cs.add(r < 7 ? Conclusion.SUCCESS : r < 9 ? Conclusion.FAIL : Conclusion.ERROR);
                }
                script.put(s.name(), cs);
            }
            Map<String, Integer> tries = new LinkedHashMap<>();
            for (int step = 0; step < 200; step++) {
                List<String> ready = atomic.values().stream().filter(n -> n.status() == NodeStatus.READY)
                        .map(Node::name).sorted().toList();
                assertThat(stepwise.values().stream().filter(n -> n.status() == NodeStatus.READY).map(Node::name)
                        .sorted().toList()).as("seed %d step %d", seed, step).isEqualTo(ready);
                if (ready.isEmpty()) {
                    break;
                }
                String name = ready.get(random.nextInt(ready.size()));
                int n = tries.merge(name, 1, Integer::sum);
                Conclusion c = script.get(name).get(Math.min(n - 1, 2));
                Result result = Result.of(c, name + "-" + n);
                String claim = "c-" + name + "-" + n;

                atomic.put(name, running(atomic.get(name), claim));
                Node settled = ((FinishDecision.Applied) Transitions.settle(atomic.get(name), claim, result, T1)).finished();
                atomic.put(name, settled);
                Transitions.propagation(t, settled).ifPresent(once -> {
                    for (String target : once.targets(t)) {
                        once.apply(t, atomic.get(target)).ifPresent(x -> atomic.put(x.name(), x));
                    }
                });

                stepwise.put(name, running(stepwise.get(name), claim));
                FinishDecision.Applied s = (FinishDecision.Applied) Transitions.settle(stepwise.get(name), claim,
                        result, T1);
                stepwise.put(name, s.finished());
                Optional<Propagation> p = Transitions.propagation(t, s.finished());
                if (p.isPresent()) {
                    List<String> targets = new ArrayList<>(p.get().targets(t));
                    targets.addAll(p.get().targets(t));
                    Collections.shuffle(targets, random);
                    for (String target : targets) {
                        p.get().apply(t, stepwise.get(target)).ifPresent(x -> stepwise.put(x.name(), x));
                    }
                }
                for (String node : atomic.keySet()) {
                    assertThat(describe(stepwise.get(node))).as("seed %d step %d node %s", seed, step, node)
                            .isEqualTo(describe(atomic.get(node)));
                }
            }
        }
    }

    /** Two parents' propagations interleaved on shared children: each child gets both inputs and is READY once. */
    @Test
    void twoParentsPropagationsInterleaveSafely() {
        GraphSpec g = Graphs.diamond(2, 30, "debug");
        Topology t = Topology.of(g.nodes(), g.edges());
        Map<String, Node> nodes = initial(t);
        Random random = new Random(7);
        List<Propagation> parents = new ArrayList<>();
        for (int w = 0; w < 30; w++) {
            parents.add(new Propagation("l0-" + w, Propagation.Kind.OUTPUT, T1));
        }
        List<Object[]> work = new ArrayList<>();
        for (Propagation p : parents) {
            for (String target : p.targets(t)) {
                work.add(new Object[]{p, target});
                work.add(new Object[]{p, target});
            }
        }
        Collections.shuffle(work, random);
        Map<String, Integer> promotions = new TreeMap<>();
        for (Object[] w : work) {
            Propagation p = (Propagation) w[0];
            String target = (String) w[1];
            Node before = nodes.get(target);
            Optional<Node> next = p.apply(t, before);
            if (next.isPresent()) {
                if (before.status() == NodeStatus.WAITING && next.get().status() == NodeStatus.READY) {
                    promotions.merge(target, 1, Integer::sum);
                }
                nodes.put(target, next.get());
            }
        }
        for (int w = 0; w < 30; w++) {
            Node child = nodes.get("l1-" + w);
            assertThat(child.status()).isEqualTo(NodeStatus.READY);
            assertThat(child.inputsFrom()).hasSize(30).doesNotHaveDuplicates();
            assertThat(promotions.get(child.name())).isEqualTo(1);
        }
    }

    private static Map<String, Node> initial(Topology t) {
        Map<String, Node> out = new LinkedHashMap<>();
        for (NodeSpec s : t.specs()) {
            out.put(s.name(), Node.initial(s, t.isRoot(s.name()) ? NodeStatus.READY : NodeStatus.WAITING));
        }
        return out;
    }

    private static GraphSpec randomGraph(Random random) {
        int n = 2 + random.nextInt(10);
        List<NodeSpec> specs = new ArrayList<>();
        List<Edge> edges = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, RetryRule> retry = switch (random.nextInt(4)) {
                case 0 -> Map.of("fail", new RetryRule(2));
                case 1 -> Map.of("error", new RetryRule(3));
                default -> Map.of();
            };
            specs.add(new NodeSpec("n" + i, "debug", Map.of(), retry));
            for (int j = 0; j < i; j++) {
                if (random.nextInt(3) == 0) {
                    edges.add(new Edge("n" + j, "n" + i));
                }
            }
        }
        return new GraphSpec(specs, edges);
    }

    private static String describe(Node n) {
        return n.name() + " " + n.status() + " attempts=" + n.attempts() + " inputsFrom=" + n.inputsFrom() + " finished="
                + n.finishedAt() + " skipped=" + n.skipped() + " claim=" + (n.claim() == null ? null : n.claim().id());
    }
}
