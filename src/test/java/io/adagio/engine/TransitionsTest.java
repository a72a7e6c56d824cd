package io.adagio.engine;

import io.adagio.Graphs;
import io.adagio.model.Claim;
import io.adagio.model.Conclusion;
import io.adagio.model.Event;
import io.adagio.model.EventType;
import io.adagio.model.GraphSpec;
import io.adagio.model.MetadataValues;
import io.adagio.model.Node;
import io.adagio.model.NodeSpec;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class TransitionsTest {
    private static final String RUN = "01JRUN0000000000000000000";
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00.123456789Z");
    private static final Instant T1 = T0.plusSeconds(1);
    private static final Instant T2 = T0.plusSeconds(2);

    /** A run's nodes held in memory, changed only through {@link Transitions}, as a backend would. */
    private static final class Sim {
        final Topology topology;
        final Map<String, Node> nodes = new LinkedHashMap<>();

        Sim(GraphSpec graph) {
            topology = Topology.of(graph.nodes(), graph.edges());
            for (NodeSpec spec : graph.nodes()) {
                nodes.put(spec.name(), Node.initial(spec, topology.isRoot(spec.name()) ? NodeStatus.READY : NodeStatus.WAITING));
            }
        }

        Node node(String name) {
            return nodes.get(name);
        }

        /** The node as a reader sees it: its inputs filled in from its parents as they are now. */
        Node read(String name) {
            return Inputs.filled(nodes.get(name), nodes::get);
        }

        Claim claim(String name, String claimId) {
            ClaimDecision d = Transitions.claim(node(name), Claim.of(claimId), T0);
            assertThat(d).as("claim of %s", name).isInstanceOf(ClaimDecision.Claimed.class);
            nodes.put(name, ((ClaimDecision.Claimed) d).node());
            return Claim.of(claimId);
        }

        FinishDecision decide(String name, String claimId, Result result) {
            return Transitions.settle(node(name), claimId, result, T1);
        }

        Step finish(String name, String claimId, Result result) {
            return finish(name, claimId, result, T1);
        }

        /**
         * The one finish rule, as a backend applies it: settle the node, then propagate to each target; the
         * events are those of each change ({@link NodeEvents}).
         */
        Step finish(String name, String claimId, Result result, Instant at) {
            FinishDecision d = Transitions.settle(node(name), claimId, result, at);
            assertThat(d).as("finish of %s", name).isInstanceOf(FinishDecision.Applied.class);
            Step step = new Step(new ArrayList<>(), new ArrayList<>());
            Node finished = ((FinishDecision.Applied) d).finished();
            change(step, finished);
            Transitions.propagation(topology, finished).ifPresent(p -> {
                for (String target : p.targets(topology)) {
                    p.apply(topology, node(target)).ifPresent(next -> change(step, next));
                }
            });
            return step;
        }

        private void change(Step step, Node next) {
            Node before = nodes.put(next.name(), next);
            step.changes().add(next);
            NodeEvents.of(RUN, next.spec(), before.status(), next.status()).ifPresent(step.events()::add);
        }

        /** Claims and finishes with SUCCESS, output = the node's name. */
        Step succeed(String name) {
            claim(name, "c-" + name);
            return finish(name, "c-" + name, ok(name));
        }

        Map<String, Node> snapshot() {
            return Map.copyOf(nodes);
        }
    }

    /** What one finish changed (the finished node first) and the events those changes cause. */
    private record Step(List<Node> changes, List<Event> events) {
        Node finished() {
            return changes.get(0);
        }
    }

    /** The nodes a finish of {@code node} with {@code result} reads and may change besides the node itself. */
    private static Set<String> reads(Topology topology, Node node, Result result) {
        Node running = node.status() == NodeStatus.RUNNING ? node : node.claimedBy(Claim.of("probe"), T0);
        FinishDecision d = Transitions.settle(running, running.claim().id(), result, T1);
        return Transitions.propagation(topology, ((FinishDecision.Applied) d).finished())
                .map(p -> Set.copyOf(p.targets(topology))).orElse(Set.of());
    }

    private static Result ok(String output) {
        return Result.of(Conclusion.SUCCESS, output);
    }

    private static Result fail() {
        return Result.of(Conclusion.FAIL, "boom");
    }

    private static Result error() {
        return Result.of(Conclusion.ERROR, "crash");
    }

    private static List<String> readyEventNodes(Step applied) {
        assertThat(applied.events()).allSatisfy(e -> {
            assertThat(e.type()).isEqualTo(EventType.NODE_READY);
            assertThat(e.runId()).isEqualTo(RUN);
        });
        return applied.events().stream().map(e -> e.nodeSpec().name()).toList();
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Nested
    class Claiming {
        private final Node ready = Node.initial(NodeSpec.of("a", "debug"), NodeStatus.READY);

        @Test
        void readyNodeIsClaimedRunningWithStartAndClaim() {
            Claim claim = new Claim("claim-1", Map.of("agent", MetadataValues.of("agent-7")));
            ClaimDecision d = Transitions.claim(ready, claim, T0);
            assertThat(d).isInstanceOf(ClaimDecision.Claimed.class);
            Node n = ((ClaimDecision.Claimed) d).node();
            assertThat(n.status()).isEqualTo(NodeStatus.RUNNING);
            assertThat(n.startedAt()).isEqualTo(T0);
            assertThat(n.finishedAt()).isNull();
            assertThat(n.claim()).isEqualTo(claim);
            assertThat(n.spec()).isEqualTo(ready.spec());
        }

        @Test
        void orphanedNodeIsClaimedKeepingItsAttemptsAndInputs() {
            Node orphan = Node.initial(NodeSpec.of("a", "debug"), NodeStatus.READY)
                    .withInputFrom("up")
                    .withAttempt(error(), NodeStatus.READY, T0)
                    .claimedBy(Claim.of("old"), T0)
                    .withStatus(NodeStatus.NONE);
            ClaimDecision d = Transitions.claim(orphan, Claim.of("new"), T1);
            assertThat(d).isInstanceOf(ClaimDecision.Claimed.class);
            Node n = ((ClaimDecision.Claimed) d).node();
            assertThat(n.status()).isEqualTo(NodeStatus.RUNNING);
            assertThat(n.startedAt()).isEqualTo(T1);
            assertThat(n.claim().id()).isEqualTo("new");
            assertThat(n.attempts()).containsExactly(error());
            assertThat(n.inputsFrom()).containsExactly("up");
        }

        @Test
        void waitingNodeIsNotReady() {
            Node waiting = Node.initial(NodeSpec.of("c", "debug"), NodeStatus.WAITING);
            assertThat(Transitions.claim(waiting, Claim.of("x"), T0)).isInstanceOf(ClaimDecision.NotReady.class);
        }

        @Test
        void runningNodeIsNotClaimed() {
            Node running = ready.claimedBy(Claim.of("first"), T0);
            assertThat(Transitions.claim(running, Claim.of("second"), T1)).isInstanceOf(ClaimDecision.NotClaimed.class);
        }

        @Test
        void completedNodeIsNotClaimed() {
            Node done = ready.claimedBy(Claim.of("first"), T0).withAttempt(ok("a"), NodeStatus.COMPLETED, T1);
            assertThat(Transitions.claim(done, Claim.of("second"), T2)).isInstanceOf(ClaimDecision.NotClaimed.class);
        }
    }

    @Nested
    class Success {
        @Test
        void nodeCompletesWithItsAttemptAndFinishTime() {
            Sim sim = new Sim(Graphs.seven());
            Step applied = sim.succeed("a");
            Node a = applied.finished();
            assertThat(a.name()).isEqualTo("a");
            assertThat(a.status()).isEqualTo(NodeStatus.COMPLETED);
            assertThat(a.attempts()).containsExactly(ok("a"));
            assertThat(a.finishedAt()).isEqualTo(T1);
            assertThat(a.startedAt()).isEqualTo(T0);
            assertThat(a.skipped()).isFalse();
        }

        @Test
        void childrenReceiveTheOutputAndBecomeReadyOnlyWhenAllParentsDelivered() {
            Sim sim = new Sim(Graphs.seven());
            Step afterA = sim.succeed("a");
            // a -> c, a -> d: c has only a as parent, d also needs b.
            assertThat(afterA.changes()).extracting(Node::name).containsExactly("a", "c", "d");
            assertThat(readyEventNodes(afterA)).containsExactly("c");
            assertThat(sim.node("c").status()).isEqualTo(NodeStatus.READY);
            assertThat(sim.node("d").status()).isEqualTo(NodeStatus.WAITING);
            assertThat(text(sim.read("c").inputs().get("a"))).isEqualTo("a");
            assertThat(sim.read("d").inputs()).containsOnlyKeys("a");

            Step afterB = sim.succeed("b");
            assertThat(readyEventNodes(afterB)).containsExactlyInAnyOrder("d", "f");
            assertThat(sim.node("d").status()).isEqualTo(NodeStatus.READY);
            assertThat(sim.read("d").inputs()).containsOnlyKeys("a", "b");
            assertThat(text(sim.read("d").inputs().get("b"))).isEqualTo("b");
            assertThat(sim.node("f").status()).isEqualTo(NodeStatus.READY);
        }

        @Test
        void layerByLayerThroughGraphG() {
            Sim sim = new Sim(Graphs.seven());
            sim.succeed("a");
            sim.succeed("b");
            assertThat(readyEventNodes(sim.succeed("c"))).isEmpty();
            assertThat(readyEventNodes(sim.succeed("d"))).containsExactly("e");
            assertThat(readyEventNodes(sim.succeed("f"))).isEmpty();
            assertThat(sim.node("g").status()).isEqualTo(NodeStatus.WAITING);
            assertThat(readyEventNodes(sim.succeed("e"))).containsExactly("g");
            assertThat(sim.read("g").inputs()).containsOnlyKeys("e", "f");
            Step last = sim.succeed("g");
            assertThat(last.changes()).extracting(Node::name).containsExactly("g");
            assertThat(last.events()).isEmpty();
            assertThat(sim.nodes.values()).extracting(Node::status).containsOnly(NodeStatus.COMPLETED);
        }

        @Test
        void readsAreTheChildren() {
            Sim sim = new Sim(Graphs.seven());
            sim.claim("b", "c-b");
            assertThat(reads(sim.topology, sim.node("b"), ok("b"))).containsExactlyInAnyOrder("d", "f");
            sim.claim("a", "c-a");
            assertThat(reads(sim.topology, sim.node("a"), ok("a"))).containsExactlyInAnyOrder("c", "d");
        }

        @Test
        void readyEventCarriesTheChildSpec() {
            Sim sim = new Sim(Graphs.seven());
            Step applied = sim.succeed("a");
            assertThat(applied.events()).singleElement().satisfies(e -> {
                assertThat(e.type()).isEqualTo(EventType.NODE_READY);
                assertThat(e.runId()).isEqualTo(RUN);
                assertThat(e.nodeSpec()).isEqualTo(sim.node("c").spec());
            });
        }
    }

    @Nested
    class Retry {
        @Test
        void failWithAllowanceGoesBackToReadyWithAnEvent() {
            Sim sim = new Sim(Graphs.retrying("x", "fail", 2));
            sim.succeed("a");
            sim.claim("x", "c1");
            assertThat(reads(sim.topology, sim.node("x"), fail())).isEmpty();
            Step applied = sim.finish("x", "c1", fail());
            assertThat(applied.changes()).extracting(Node::name).containsExactly("x");
            assertThat(readyEventNodes(applied)).containsExactly("x");
            Node x = sim.node("x");
            assertThat(x.status()).isEqualTo(NodeStatus.READY);
            assertThat(x.attempts()).containsExactly(fail());
            assertThat(x.finishedAt()).isNull();
            assertThat(Transitions.isFinal(x, fail())).isTrue();
        }

        @Test
        void maxAttemptsTwoOnFailMeansTwoFailAttemptsThenFinal() {
            Sim sim = new Sim(Graphs.retrying("x", "fail", 2));
            sim.succeed("a");
            sim.succeed("b");
            sim.claim("x", "c1");
            assertThat(Transitions.isFinal(sim.node("x"), fail())).isFalse();
            sim.finish("x", "c1", fail());
            assertThat(sim.node("x").status()).isEqualTo(NodeStatus.READY);

            sim.claim("x", "c2");
            assertThat(reads(sim.topology, sim.node("x"), fail())).containsExactly("c");
            Step applied = sim.finish("x", "c2", fail());
            assertThat(applied.events()).isEmpty();
            assertThat(sim.node("x").status()).isEqualTo(NodeStatus.COMPLETED);
            assertThat(sim.node("x").attempts()).containsExactly(fail(), fail());
            assertThat(sim.node("c").status()).isEqualTo(NodeStatus.COMPLETED);
            assertThat(sim.node("c").skipped()).isTrue();
        }

        @Test
        void errorRuleRetriesErrorsUpToMaxAttempts() {
            Sim sim = new Sim(Graphs.retrying("x", "error", 2));
            sim.succeed("a");
            sim.claim("x", "c1");
            sim.finish("x", "c1", error());
            assertThat(sim.node("x").status()).isEqualTo(NodeStatus.READY);
            sim.claim("x", "c2");
            sim.finish("x", "c2", error());
            assertThat(sim.node("x").status()).isEqualTo(NodeStatus.COMPLETED);
        }

        @Test
        void anErrorInBetweenWithOnlyAFailRuleIsFinal() {
            Sim sim = new Sim(Graphs.retrying("x", "fail", 3));
            sim.succeed("a");
            sim.claim("x", "c1");
            sim.finish("x", "c1", fail());
            assertThat(sim.node("x").status()).isEqualTo(NodeStatus.READY);
            sim.claim("x", "c2");
            assertThat(Transitions.isFinal(sim.node("x"), error())).isTrue();
            Step applied = sim.finish("x", "c2", error());
            assertThat(applied.events()).isEmpty();
            assertThat(sim.node("x").status()).isEqualTo(NodeStatus.COMPLETED);
            assertThat(sim.node("x").attempts()).containsExactly(fail(), error());
            assertThat(sim.node("c").skipped()).isTrue();
        }

        @Test
        void earlierAttemptsOfAnotherConclusionDoNotUseUpTheAllowance() {
            NodeSpec spec = new NodeSpec("x", "debug", Map.of(),
                    Map.of("fail", new io.adagio.model.RetryRule(2), "error", new io.adagio.model.RetryRule(2)));
            Sim sim = new Sim(new GraphSpec(List.of(spec), List.of()));
            sim.claim("x", "c1");
            sim.finish("x", "c1", error());
            sim.claim("x", "c2");
            sim.finish("x", "c2", fail());
            // one ERROR, one FAIL: each below 2, so still retried.
            assertThat(sim.node("x").status()).isEqualTo(NodeStatus.READY);
            sim.claim("x", "c3");
            sim.finish("x", "c3", fail());
            assertThat(sim.node("x").status()).isEqualTo(NodeStatus.COMPLETED);
            assertThat(sim.node("x").attempts()).containsExactly(error(), fail(), fail());
        }

        @Test
        void retriedNodeKeepsItsInputs() {
            Sim sim = new Sim(Graphs.retrying("x", "fail", 2));
            sim.succeed("a");
            sim.claim("x", "c1");
            sim.finish("x", "c1", fail());
            assertThat(text(sim.read("x").inputs().get("a"))).isEqualTo("a");
        }
    }

    @Nested
    class FinalFailure {
        @Test
        void everyDownstreamNodeIsSkippedWithoutAttempts() {
            Sim sim = new Sim(Graphs.seven());
            sim.succeed("a");
            sim.succeed("b");
            sim.succeed("c");
            sim.claim("d", "c-d");
            assertThat(reads(sim.topology, sim.node("d"), fail())).containsExactlyInAnyOrder("e", "g");
            Step applied = sim.finish("d", "c-d", fail());
            assertThat(applied.changes()).extracting(Node::name).containsExactly("d", "e", "g");
            assertThat(applied.events()).isEmpty();
            assertThat(sim.node("d").status()).isEqualTo(NodeStatus.COMPLETED);
            assertThat(sim.node("d").skipped()).isFalse();
            assertThat(sim.node("d").attempts()).containsExactly(fail());
            for (String skipped : List.of("e", "g")) {
                Node n = sim.node(skipped);
                assertThat(n.status()).as(skipped).isEqualTo(NodeStatus.COMPLETED);
                assertThat(n.skipped()).as(skipped).isTrue();
                assertThat(n.attempts()).as(skipped).isEmpty();
                assertThat(n.finishedAt()).as(skipped).isEqualTo(T1);
            }
            // skipped nodes keep the inputs they already had: e from c
            assertThat(sim.read("e").inputs()).containsOnlyKeys("c");
            // f is not downstream of d
            assertThat(sim.node("f").status()).isEqualTo(NodeStatus.READY);
            assertThat(sim.node("f").skipped()).isFalse();
        }

        @Test
        void alreadyCompletedDownstreamNodesAreLeftUntouched() {
            // a -> c <- b: a fails (c skipped), then b fails: c must not be changed again.
            Sim sim = new Sim(new GraphSpec(List.of(NodeSpec.of("a", "debug"), NodeSpec.of("b", "debug"),
                    NodeSpec.of("c", "debug")), Graphs.edges("a>c", "b>c")));
            sim.claim("a", "ca");
            sim.finish("a", "ca", fail());
            Node skipped = sim.node("c");
            assertThat(skipped.skipped()).isTrue();

            sim.claim("b", "cb");
            Step applied = sim.finish("b", "cb", error(), T2);
            assertThat(applied.changes()).extracting(Node::name).containsExactly("b");
            assertThat(applied.finished().finishedAt()).isEqualTo(T2);
        }

        @Test
        void errorWithoutRetryRuleIsFinal() {
            Sim sim = new Sim(Graphs.seven());
            sim.claim("b", "cb");
            Step applied = sim.finish("b", "cb", error());
            assertThat(applied.changes()).extracting(Node::name).containsExactlyInAnyOrder("b", "d", "e", "f", "g");
            assertThat(sim.node("b").attempts()).containsExactly(error());
            assertThat(sim.node("a").status()).isEqualTo(NodeStatus.READY);
            assertThat(sim.node("c").status()).isEqualTo(NodeStatus.WAITING);
        }
    }

    @Nested
    class Fencing {
        @Test
        void wrongClaimIsStaleAndChangesNothing() {
            Sim sim = new Sim(Graphs.seven());
            sim.claim("a", "right");
            Map<String, Node> before = sim.snapshot();
            FinishDecision d = sim.decide("a", "wrong", ok("a"));
            assertThat(d).isInstanceOf(FinishDecision.Stale.class);
            assertThat(((FinishDecision.Stale) d).node()).isEqualTo(before.get("a"));
            assertThat(sim.snapshot()).isEqualTo(before);
        }

        @Test
        void finishingANodeThatIsNotRunningIsStale() {
            Sim sim = new Sim(Graphs.seven());
            assertThat(sim.decide("a", "anything", ok("a"))).isInstanceOf(FinishDecision.Stale.class);
            assertThat(sim.decide("c", "anything", ok("c"))).isInstanceOf(FinishDecision.Stale.class);
        }

        @Test
        void sameClaimSameResultAfterCompletionIsRepeated() {
            Sim sim = new Sim(Graphs.seven());
            sim.succeed("a");
            Node a = sim.node("a");
            FinishDecision d = sim.decide("a", "c-a", ok("a"));
            assertThat(d).isInstanceOf(FinishDecision.Repeated.class);
            assertThat(((FinishDecision.Repeated) d).node()).isEqualTo(a);
        }

        @Test
        void sameClaimSameResultAfterARetryBackToReadyIsRepeated() {
            Sim sim = new Sim(Graphs.retrying("x", "fail", 2));
            sim.succeed("a");
            sim.claim("x", "c1");
            sim.finish("x", "c1", fail());
            assertThat(sim.decide("x", "c1", fail())).isInstanceOf(FinishDecision.Repeated.class);
            assertThat(sim.node("x").attempts()).hasSize(1);
        }

        @Test
        void repeatedResultIsComparedByContentNotIdentity() {
            Sim sim = new Sim(Graphs.seven());
            sim.succeed("a");
            Result copy = new Result(Conclusion.SUCCESS, Map.of(), "a".getBytes(StandardCharsets.UTF_8));
            assertThat(sim.decide("a", "c-a", copy)).isInstanceOf(FinishDecision.Repeated.class);
        }

        @Test
        void sameClaimDifferentResultIsStale() {
            Sim sim = new Sim(Graphs.seven());
            sim.succeed("a");
            assertThat(sim.decide("a", "c-a", ok("other output"))).isInstanceOf(FinishDecision.Stale.class);
            assertThat(sim.decide("a", "c-a", fail())).isInstanceOf(FinishDecision.Stale.class);
            Result withMetadata = new Result(Conclusion.SUCCESS, Map.of("k", MetadataValues.of("v")),
                    "a".getBytes(StandardCharsets.UTF_8));
            assertThat(sim.decide("a", "c-a", withMetadata)).isInstanceOf(FinishDecision.Stale.class);
        }

        @Test
        void orphanedNodeFinishedWithTheOldClaimIsStale() {
            Sim sim = new Sim(Graphs.seven());
            sim.claim("a", "old");
            sim.nodes.put("a", Transitions.orphan(sim.node("a")));
            assertThat(sim.node("a").status()).isEqualTo(NodeStatus.NONE);
            Map<String, Node> before = sim.snapshot();
            assertThat(sim.decide("a", "old", ok("a"))).isInstanceOf(FinishDecision.Stale.class);
            assertThat(sim.snapshot()).isEqualTo(before);
        }

        @Test
        void oldClaimIsStaleOnceTheOrphanIsReclaimed() {
            Sim sim = new Sim(Graphs.seven());
            sim.claim("a", "old");
            sim.nodes.put("a", Transitions.orphan(sim.node("a")));
            sim.claim("a", "new");
            assertThat(sim.decide("a", "old", ok("a"))).isInstanceOf(FinishDecision.Stale.class);
            Step applied = sim.finish("a", "new", Result.of(Conclusion.ERROR, "node was orphaned"));
            assertThat(applied.finished().attempts()).extracting(Result::conclusion).containsExactly(Conclusion.ERROR);
        }

        @Test
        void staleRetryOfAnEarlierClaimAfterReclaimIsStale() {
            Sim sim = new Sim(Graphs.retrying("x", "fail", 3));
            sim.succeed("a");
            sim.claim("x", "c1");
            sim.finish("x", "c1", fail());
            sim.claim("x", "c2");
            assertThat(sim.decide("x", "c1", fail())).isInstanceOf(FinishDecision.Stale.class);
            assertThat(sim.node("x").status()).isEqualTo(NodeStatus.RUNNING);
        }
    }

    @Nested
    class Orphaning {
        @Test
        void orphanLeavesTheNodeInNoStateKeepingEverythingElse() {
            Sim sim = new Sim(Graphs.seven());
            sim.claim("a", "c");
            Node running = sim.node("a");
            Node orphan = Transitions.orphan(running);
            assertThat(orphan.status()).isEqualTo(NodeStatus.NONE);
            assertThat(orphan.claim()).isEqualTo(running.claim());
            assertThat(orphan.attempts()).isEqualTo(running.attempts());
            Event e = NodeEvents.of(RUN, orphan.spec(), running.status(), orphan.status()).orElseThrow();
            assertThat(e.type()).isEqualTo(EventType.NODE_ORPHANED);
            assertThat(e.runId()).isEqualTo(RUN);
            assertThat(e.nodeSpec()).isEqualTo(running.spec());
        }
    }

    @Test
    void readsNamesNoNodeForALeaf() {
        Sim sim = new Sim(Graphs.seven());
        assertThat(reads(sim.topology, sim.node("g"), ok("g"))).isEmpty();
        assertThat(reads(sim.topology, sim.node("g"), fail())).isEqualTo(Set.of());
    }
}
