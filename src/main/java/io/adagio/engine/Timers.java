package io.adagio.engine;

import io.adagio.model.Conclusion;
import io.adagio.model.MetadataValues;
import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.model.RetryRule;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * What is due for a node at a time, decided from the node alone (its deadline and backoff are stored with it, so
 * any replica, after any restart, decides the same; firing twice changes nothing twice). Pure.
 * <ul>
 *   <li>a RUNNING node whose spec has a {@code timeout} is due at {@code started_at + timeout}: it is finished ERROR
 *       "timed out" by its claim ({@link TimedOut}), so its retry rules apply and its agent's finish is stale;</li>
 *   <li>a WAITING node out a retry's backoff is due at its {@code ready_at}: it becomes READY
 *       ({@link BackoffOver}; WAITING while its run is paused).</li>
 * </ul>
 */
public final class Timers {
    /** The metadata key that marks an attempt the engine ended for running past its timeout. */
    public static final String TIMED_OUT = "adagio.timed_out";

    private Timers() {
    }

    /** What a timer does when it fires. */
    public sealed interface Due {
    }

    /** Finish the node ERROR by the claim that holds it. */
    public record TimedOut(String claimId, Result result) implements Due {
    }

    /** Store {@code next}: the backoff is over. */
    public record BackoffOver(Node next) implements Due {
    }

    /** When something is due for the node; empty when nothing is. */
    public static Optional<Instant> dueAt(Node node) {
        if (node.status() == NodeStatus.RUNNING && node.spec().timeout() != null && node.startedAt() != null) {
            return Optional.of(node.startedAt().plus(Durations.parse(node.spec().timeout())));
        }
        if (node.status() == NodeStatus.WAITING && node.readyAt() != null) {
            return Optional.of(node.readyAt());
        }
        return Optional.empty();
    }

    /** What is due for the node at {@code now}; empty when nothing is (yet). */
    public static Optional<Due> due(Node node, Instant now) {
        Optional<Instant> at = dueAt(node);
        if (at.isEmpty() || at.get().isAfter(now)) {
            return Optional.empty();
        }
        if (node.status() == NodeStatus.RUNNING) {
            return Optional.of(new TimedOut(node.claim().id(), timedOut(node.spec().timeout())));
        }
        return Optional.of(new BackoffOver(node.backoffOver(node.paused() ? NodeStatus.WAITING : NodeStatus.READY)));
    }

    /** The result of an attempt that ran past its timeout: the same for every replica that decides it. */
    public static Result timedOut(String timeout) {
        return new Result(Conclusion.ERROR, Map.of(TIMED_OUT, MetadataValues.of("true")),
                ("timed out after " + timeout).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * How long the {@code n}-th retry (from 1) waits: {@code min(max, initial × multiplier^(n-1))}, spread by
     * {@code jitter × u} of itself, {@code u} in [-1, 1] (the caller's random draw).
     */
    public static Duration backoff(RetryRule.Backoff b, long n, double u) {
        double initial = Durations.parse(b.initial()).toNanos();
        double multiplier = b.multiplier() == null ? 2 : b.multiplier();
        double base = initial * Math.pow(multiplier, Math.max(0, n - 1));
        if (b.max() != null) {
            base = Math.min(base, Durations.parse(b.max()).toNanos());
        }
        double jitter = b.jitter() == null ? 0 : b.jitter();
        double spread = base * (1 + jitter * Math.max(-1, Math.min(1, u)));
        return Duration.ofNanos((long) Math.max(0, Math.min(spread, Long.MAX_VALUE / 2.0)));
    }
}
