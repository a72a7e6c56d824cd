package io.adagio.engine;

import io.adagio.model.Claim;
import io.adagio.model.Conclusion;
import io.adagio.model.Node;
import io.adagio.model.NodeSpec;
import io.adagio.model.NodeStatus;
import io.adagio.model.NodeView;
import io.adagio.model.Result;
import io.adagio.model.RunOutcome;
import io.adagio.model.RunStatus;
import io.adagio.model.RunView;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** A run's tally, kept one node change at a time, says what {@link RunVerdict} says over all of its nodes. */
class RunTallyTest {
    private static final Instant T = Instant.parse("2025-01-01T00:00:00Z");

    /** Every shape a node can take that changes a run's verdict. */
    private static Node any(String name, Random random) {
        Node waiting = Node.initial(NodeSpec.of(name, "debug"), NodeStatus.WAITING);
        Node running = waiting.withStatus(NodeStatus.READY).claimedBy(Claim.of("c-" + name), T);
        Conclusion[] conclusions = {Conclusion.SUCCESS, Conclusion.FAIL, Conclusion.ERROR};
        Node node = switch (random.nextInt(11)) {
            case 0 -> waiting;
            case 1 -> waiting.withStatus(NodeStatus.READY);
            case 2 -> running;
            case 3 -> running.withStatus(NodeStatus.NONE); // orphaned
            case 4, 5 -> running.withAttempt(Result.of(conclusions[random.nextInt(3)], name), NodeStatus.COMPLETED, T);
            case 6 -> running.withAttempt(Result.of(Conclusion.ERROR, name), NodeStatus.READY, T); // retried
            case 7 -> waiting.asSkipped(T);
            case 8 -> waiting.asCancelled(T);
            case 9 -> running.asCancelling();
            default -> waiting.withPaused(true, NodeStatus.WAITING);
        };
        return node;
    }

    private static RunView verdict(List<Node> nodes) {
        RunView tallied = new RunTally(nodes.stream().map(NodeView::of).toList()).view();
        return new RunView(RunVerdict.status(nodes), RunVerdict.outcome(nodes), Pausing.isPaused(nodes), tallied.nodeCounts());
    }

    @Test
    void aTallyKeptChangeByChangeAgreesWithTheVerdictOverAllNodes() {
        Random random = new Random(42);
        for (int run = 0; run < 500; run++) {
            int size = 1 + random.nextInt(6);
            List<Node> nodes = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                nodes.add(Node.initial(NodeSpec.of("n" + i, "debug"), i == 0 ? NodeStatus.READY : NodeStatus.WAITING));
            }
            RunTally tally = new RunTally(nodes.stream().map(NodeView::of).toList());
            RunView last = tally.view();
            assertThat(last.status()).isEqualTo(RunStatus.WAITING);
            for (int change = 0; change < 20; change++) {
                int i = random.nextInt(size);
                nodes.set(i, any("n" + i, random));
                Optional<RunView> changed = tally.apply(NodeView.of(nodes.get(i)));
                RunView expected = verdict(nodes);
                assertThat(tally.view()).as("run %d after change %d: %s", run, change, nodes).isEqualTo(expected);
                assertThat(changed).as("a change is told exactly when the view changed")
                        .isEqualTo(expected.equals(last) ? Optional.empty() : Optional.of(expected));
                last = expected;
            }
        }
    }

    @Test
    void countsEachNodeByItsState() {
        List<Node> nodes = List.of(Node.initial(NodeSpec.of("a", "debug"), NodeStatus.READY),
                Node.initial(NodeSpec.of("b", "debug"), NodeStatus.WAITING));
        RunTally tally = new RunTally(nodes.stream().map(NodeView::of).toList());
        RunView running = tally.apply(NodeView.of(nodes.get(0).claimedBy(Claim.of("c"), T))).orElseThrow();
        assertThat(running.status()).isEqualTo(RunStatus.RUNNING);
        assertThat(running.nodeCounts().running()).isEqualTo(1);
        assertThat(running.nodeCounts().waiting()).isEqualTo(1);
        assertThat(running.outcome()).isNull();
        RunView failed = tally.apply(NodeView.of(nodes.get(0).claimedBy(Claim.of("c"), T)
                .withAttempt(Result.of(Conclusion.FAIL, "x"), NodeStatus.COMPLETED, T))).orElseThrow();
        assertThat(failed.outcome()).isEqualTo(RunOutcome.FAILED);
        assertThat(tally.apply(NodeView.of(nodes.get(1).asSkipped(T))).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    void aNodeOfAnotherRunChangesNothing() {
        RunTally tally = new RunTally(List.of(NodeView.of(Node.initial(NodeSpec.of("a", "debug"), NodeStatus.READY))));
        assertThat(tally.apply(NodeView.of(Node.initial(NodeSpec.of("z", "debug"), NodeStatus.COMPLETED)))).isEmpty();
        assertThat(tally.view().status()).isEqualTo(RunStatus.WAITING);
    }
}
