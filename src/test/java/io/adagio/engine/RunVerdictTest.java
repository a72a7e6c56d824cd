package io.adagio.engine;

import io.adagio.model.Claim;
import io.adagio.model.Conclusion;
import io.adagio.model.Node;
import io.adagio.model.NodeSpec;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.model.RunOutcome;
import io.adagio.model.RunStatus;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RunVerdictTest {
    private static final Instant T = Instant.parse("2025-01-01T00:00:00Z");

    private static Node node(String name, NodeStatus status) {
        return Node.initial(NodeSpec.of(name, "debug"), status);
    }

    private static Node running(String name) {
        return node(name, NodeStatus.READY).claimedBy(Claim.of("c-" + name), T);
    }

    private static Node finished(String name, Conclusion conclusion) {
        return running(name).withAttempt(Result.of(conclusion, name), NodeStatus.COMPLETED, T);
    }

    private static Node retried(String name, Conclusion conclusion) {
        return running(name).withAttempt(Result.of(conclusion, name), NodeStatus.READY, T);
    }

    private static Node skipped(String name) {
        return node(name, NodeStatus.WAITING).asSkipped(T);
    }

    @Nested
    class Status {
        @Test
        void waitingWhileNothingWasClaimed() {
            assertThat(RunVerdict.status(List.of(node("a", NodeStatus.READY), node("b", NodeStatus.READY),
                    node("c", NodeStatus.WAITING)))).isEqualTo(RunStatus.WAITING);
        }

        @Test
        void runningOnceANodeIsRunning() {
            assertThat(RunVerdict.status(List.of(running("a"), node("b", NodeStatus.READY), node("c", NodeStatus.WAITING))))
                    .isEqualTo(RunStatus.RUNNING);
        }

        @Test
        void runningWhenANodeWasRetriedBackToReady() {
            assertThat(RunVerdict.status(List.of(retried("a", Conclusion.ERROR), node("c", NodeStatus.WAITING))))
                    .isEqualTo(RunStatus.RUNNING);
        }

        @Test
        void runningWhenSomeButNotAllCompleted() {
            assertThat(RunVerdict.status(List.of(finished("a", Conclusion.SUCCESS), node("c", NodeStatus.READY))))
                    .isEqualTo(RunStatus.RUNNING);
        }

        @Test
        void runningWhenANodeIsOrphaned() {
            assertThat(RunVerdict.status(List.of(running("a").withStatus(NodeStatus.NONE), node("b", NodeStatus.READY))))
                    .isEqualTo(RunStatus.RUNNING);
        }

        @Test
        void completedWhenEveryNodeIsCompleted() {
            assertThat(RunVerdict.status(List.of(finished("a", Conclusion.SUCCESS), finished("b", Conclusion.FAIL),
                    skipped("c")))).isEqualTo(RunStatus.COMPLETED);
        }
    }

    @Nested
    class Outcome {
        @Test
        void undecidedBeforeAnythingRan() {
            assertThat(RunVerdict.outcome(List.of(node("a", NodeStatus.READY), node("b", NodeStatus.WAITING)))).isNull();
        }

        @Test
        void undecidedWhileSuccessfulNodesAreJoinedByRunningOnes() {
            assertThat(RunVerdict.outcome(List.of(finished("a", Conclusion.SUCCESS), running("b")))).isNull();
        }

        @Test
        void undecidedWhileAFailedNodeIsBeingRetried() {
            assertThat(RunVerdict.outcome(List.of(retried("a", Conclusion.FAIL), node("b", NodeStatus.WAITING)))).isNull();
        }

        @Test
        void failedAsSoonAsANodeFailedForGoodEvenWhileOthersRun() {
            assertThat(RunVerdict.outcome(List.of(finished("a", Conclusion.FAIL), running("b"), node("c", NodeStatus.WAITING))))
                    .isEqualTo(RunOutcome.FAILED);
        }

        @Test
        void failedByAnError() {
            assertThat(RunVerdict.outcome(List.of(finished("a", Conclusion.ERROR), skipped("b"))))
                    .isEqualTo(RunOutcome.FAILED);
        }

        @Test
        void failedWhenTheLatestAttemptFailedAfterEarlierOnes() {
            Node twice = retried("a", Conclusion.FAIL).claimedBy(Claim.of("c2"), T)
                    .withAttempt(Result.of(Conclusion.FAIL, "a"), NodeStatus.COMPLETED, T);
            assertThat(RunVerdict.outcome(List.of(twice))).isEqualTo(RunOutcome.FAILED);
        }

        @Test
        void succeededWhenAllSucceeded() {
            assertThat(RunVerdict.outcome(List.of(finished("a", Conclusion.SUCCESS), finished("b", Conclusion.SUCCESS))))
                    .isEqualTo(RunOutcome.SUCCEEDED);
        }

        @Test
        void succeededAfterARetry() {
            Node recovered = retried("a", Conclusion.ERROR).claimedBy(Claim.of("c2"), T)
                    .withAttempt(Result.of(Conclusion.SUCCESS, "a"), NodeStatus.COMPLETED, T);
            assertThat(RunVerdict.outcome(List.of(recovered, finished("b", Conclusion.SUCCESS))))
                    .isEqualTo(RunOutcome.SUCCEEDED);
        }

        @Test
        void skippedNodesAloneDoNotDecide() {
            // A skipped node is recognised as skipped, not as a failure of its own.
            assertThat(RunVerdict.outcome(List.of(skipped("b"), node("c", NodeStatus.READY)))).isNull();
        }
    }
}
