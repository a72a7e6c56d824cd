package io.adagio.engine;

import io.adagio.model.Claim;
import io.adagio.model.Conclusion;
import io.adagio.model.Node;
import io.adagio.model.NodeSpec;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.model.RetryRule;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class TimersTest {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void backoffsGrowByTheirMultiplierUpToTheirCap() {
        RetryRule.Backoff b = new RetryRule.Backoff("1s", 2.0, "5s", null);
        assertThat(Timers.backoff(b, 1, 0.7)).as("no jitter: u does not matter").isEqualTo(Duration.ofSeconds(1));
        assertThat(Timers.backoff(b, 2, 0)).isEqualTo(Duration.ofSeconds(2));
        assertThat(Timers.backoff(b, 3, 0)).isEqualTo(Duration.ofSeconds(4));
        assertThat(Timers.backoff(b, 4, 0)).as("capped").isEqualTo(Duration.ofSeconds(5));
        assertThat(Timers.backoff(b, 60, 0)).as("no overflow").isEqualTo(Duration.ofSeconds(5));
        assertThat(Timers.backoff(new RetryRule.Backoff("1.5s", null, null, null), 3, 0))
                .as("multiplier 2 by default, no cap").isEqualTo(Duration.ofSeconds(6));
    }

    /** Jitter spreads each wait by up to ± jitter of itself, over the whole range: 10,000 draws. */
    @Test
    void jitterStaysWithinItsBoundsAndSpreadsOverThem() {
        RetryRule.Backoff b = new RetryRule.Backoff("10s", 1.0, null, 0.2);
        assertThat(Timers.backoff(b, 1, -1)).isEqualTo(Duration.ofSeconds(8));
        assertThat(Timers.backoff(b, 1, 1)).isEqualTo(Duration.ofSeconds(12));
        SplittableRandom random = new SplittableRandom(42);
        Duration min = Duration.ofDays(1);
        Duration max = Duration.ZERO;
        for (int i = 0; i < 10_000; i++) {
            Duration d = Timers.backoff(b, 1, random.nextDouble(-1, 1));
            assertThat(d).isBetween(Duration.ofSeconds(8), Duration.ofSeconds(12));
            min = d.compareTo(min) < 0 ? d : min;
            max = d.compareTo(max) > 0 ? d : max;
        }
        assertThat(min).as("spread, not a constant").isLessThan(Duration.ofMillis(8_100));
        assertThat(max).isGreaterThan(Duration.ofMillis(11_900));
    }

    @Test
    void aRunningNodeIsDueAtItsDeadlineAndTimesOutByItsClaim() {
        NodeSpec spec = new NodeSpec("x", "debug", Map.of(), Map.of(), null, "1.5s");
        Node running = Node.initial(spec, NodeStatus.READY).claimedBy(Claim.of("c1"), T0);
        assertThat(Timers.dueAt(running)).contains(T0.plusMillis(1500));
        assertThat(Timers.due(running, T0.plusMillis(1499))).isEmpty();
        assertThat(Timers.due(running, T0.plusMillis(1500))).get().isEqualTo(
                new Timers.TimedOut("c1", Timers.timedOut("1.5s")));
        assertThat(Timers.dueAt(Node.initial(NodeSpec.of("y", "debug"), NodeStatus.READY)
                .claimedBy(Claim.of("c2"), T0))).as("no timeout").isEmpty();
    }

    @Test
    void aRetryWithABackoffWaitsUntilItsReadyAtThenIsReady() {
        RetryRule rule = new RetryRule(3, new RetryRule.Backoff("10s", 2.0, null, null));
        NodeSpec spec = new NodeSpec("x", "debug", Map.of(), Map.of("error", rule));
        Node running = Node.initial(spec, NodeStatus.READY).claimedBy(Claim.of("c1"), T0);
        Node waiting = ((FinishDecision.Applied) Transitions.settle(running, "c1", Result.of(Conclusion.ERROR, "e"),
                T0.plusSeconds(1), 0)).finished();
        assertThat(waiting.status()).isEqualTo(NodeStatus.WAITING);
        assertThat(waiting.readyAt()).isEqualTo(T0.plusSeconds(11));
        assertThat(Timers.due(waiting, T0.plusSeconds(10))).isEmpty();
        assertThat(Timers.due(waiting, T0.plusSeconds(11))).get()
                .satisfies(d -> assertThat(((Timers.BackoffOver) d).next().status()).isEqualTo(NodeStatus.READY))
                .satisfies(d -> assertThat(((Timers.BackoffOver) d).next().readyAt()).isNull());
        Node paused = waiting.withPaused(true, NodeStatus.WAITING);
        assertThat(((Timers.BackoffOver) Timers.due(paused, T0.plusSeconds(11)).orElseThrow()).next().status())
                .as("a paused run's retry waits on for the resume").isEqualTo(NodeStatus.WAITING);
        assertThat(Pausing.resume(Topology.of(java.util.List.of(spec), java.util.List.of()), waiting.withPaused(true,
                NodeStatus.WAITING)).orElseThrow().status()).as("a resume does not cut a backoff short")
                .isEqualTo(NodeStatus.WAITING);
    }
}
