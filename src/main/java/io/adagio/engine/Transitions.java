package io.adagio.engine;

import io.adagio.model.Claim;
import io.adagio.model.Conclusion;
import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.model.RetryRule;

import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * The state machine of a node: claim, finish, orphan. Pure: given the facts read by a backend it says
 * what changes, and the backend applies that atomically. A finish is {@link #settle} of the node and then its
 * {@link #propagation} to the nodes it reaches (its children, or on a final failure its downstream), so it
 * costs O(degree). The events the changes cause are {@link NodeEvents}' to decide.
 */
public final class Transitions {
    private Transitions() {
    }

    /**
     * READY or NONE (orphaned) → RUNNING; WAITING → not ready; RUNNING or COMPLETED → not claimed; a node its
     * run's cancel reached is never claimed again; one of a paused run is not claimed until it is resumed.
     */
    public static ClaimDecision claim(Node node, Claim claim, Instant now) {
        if (node.cancelled()) {
            return new ClaimDecision.NotClaimed();
        }
        if (node.paused() && node.status() != NodeStatus.RUNNING && node.status() != NodeStatus.COMPLETED) {
            return new ClaimDecision.Paused();
        }
        return switch (node.status()) {
            case READY, NONE -> new ClaimDecision.Claimed(node.claimedBy(claim, now));
            case WAITING -> new ClaimDecision.NotReady();
            case RUNNING, COMPLETED -> new ClaimDecision.NotClaimed();
        };
    }

    /** The attempt metadata key that marks a node completed by a person ({@link #completeByHand}). */
    public static final String BY_HAND = io.adagio.model.NodeView.BY_HAND;

    /**
     * A person completes a node not claimed now (WAITING, READY or orphaned) in its agents' place: it gets a
     * SUCCESS attempt with {@code output}, marked {@value #BY_HAND} in its metadata (distinct from the
     * {@code skipped} of a failed upstream), and its {@link #propagation} lets its dependents proceed. The same
     * completion again (a retry whose answer was lost) is {@link FinishDecision.Repeated}; a node RUNNING (an agent
     * holds it) or COMPLETED otherwise is {@link FinishDecision.Stale}: not completed by hand.
     */
    public static FinishDecision completeByHand(Node node, byte[] output, Instant now) {
        Result byHand = new Result(Conclusion.SUCCESS, java.util.Map.of(BY_HAND, io.adagio.model.MetadataValues.of("true")),
                output == null ? new byte[0] : output);
        if (node.status() == NodeStatus.COMPLETED && byHand.sameAs(node.lastAttempt())) {
            return new FinishDecision.Repeated(node);
        }
        if (node.status() == NodeStatus.RUNNING || node.status() == NodeStatus.COMPLETED || node.cancelled()) {
            return new FinishDecision.Stale(node);
        }
        return new FinishDecision.Applied(node.withAttempt(byHand, NodeStatus.COMPLETED, now));
    }

    /** Whether a finish with this result would leave the node for good (no retry allowance left). */
    public static boolean isFinal(Node node, Result result) {
        return result.conclusion() == Conclusion.SUCCESS || !retries(node, result.conclusion());
    }

    /**
     * Decides the finish of a node: the one finish rule. A finish is this settle of the node, fenced by its
     * claim, followed by its {@link #propagation} to each target ({@link Propagation#apply}), always; how many
     * atomic steps that takes is a storage strategy of the backend. The node goes COMPLETED, or back to READY
     * when its retry rules allow another attempt — never once its run's cancel reached it.
     */
    public static FinishDecision settle(Node node, String claimId, Result result, Instant now) {
        return settle(node, claimId, result, now, java.util.concurrent.ThreadLocalRandom.current().nextDouble(-1, 1));
    }

    /**
     * {@link #settle(Node, String, Result, Instant)} with the random draw {@code u} (in [-1, 1]) that spreads a
     * retry's backoff ({@link Timers#backoff}): a retry whose rule has a backoff waits, WAITING with its
     * {@code ready_at}, instead of being READY at once.
     */
    public static FinishDecision settle(Node node, String claimId, Result result, Instant now, double u) {
        boolean holds = node.claim() != null && node.claim().id().equals(claimId);
        if (node.status() != NodeStatus.RUNNING || !holds) {
            boolean repeated = holds && node.status() != NodeStatus.NONE && result.sameAs(node.lastAttempt());
            return repeated ? new FinishDecision.Repeated(node) : new FinishDecision.Stale(node);
        }
        Conclusion c = result.conclusion();
        if (c != Conclusion.SUCCESS && !node.cancelled() && retries(node, c)) {
            // a retry of a paused run waits for its resume, one with a backoff until its ready_at
            Node retried = node.withAttempt(result, node.paused() ? NodeStatus.WAITING : NodeStatus.READY, now);
            RetryRule.Backoff backoff = rule(node, c).backoff();
            if (backoff != null) {
                retried = retried.waitingUntil(now.plus(Timers.backoff(backoff, sameSince(node, c), u)));
            }
            return new FinishDecision.Applied(retried);
        }
        return new FinishDecision.Applied(node.withAttempt(result, NodeStatus.COMPLETED, now));
    }

    /**
     * What a finished node passes on, judged from the node as it is after its finish: a COMPLETED node whose
     * latest attempt succeeded passes its output to its children; one that failed for good (and was not itself
     * skipped) skips its downstream. Empty when there is nothing to pass on (a retry, a node without children,
     * a node not completed, a node its run's cancel reached: its dependents are cancelled too).
     */
    public static Optional<Propagation> propagation(Topology topology, Node finished) {
        Result last = finished.lastAttempt();
        if (finished.status() != NodeStatus.COMPLETED || finished.skipped() || finished.cancelled() || last == null) {
            return Optional.empty();
        }
        if (last.conclusion() == Conclusion.SUCCESS) {
            return topology.children(finished.name()).isEmpty() ? Optional.empty()
                    // an empty output is still an input (the child must see that this parent completed)
                    : Optional.of(new Propagation(finished.name(), Propagation.Kind.OUTPUT, finished.finishedAt()));
        }
        return topology.reachedByFailure(finished.name()).isEmpty() ? Optional.empty()
                : Optional.of(new Propagation(finished.name(), Propagation.Kind.SKIP, finished.finishedAt()));
    }

    /** A RUNNING node whose lease expired: it is in no state (NONE) and agents are told it is orphaned. */
    public static Node orphan(Node node) {
        return node.withStatus(NodeStatus.NONE);
    }

    /**
     * Whether a node that just ended with {@code conclusion} goes back to READY: its spec has a retry rule
     * for that condition and the attempts with that conclusion since its latest manual retry, counting this one,
     * are below max_attempts.
     */
    static boolean retries(Node node, Conclusion conclusion) {
        if (conclusion == Conclusion.SUCCESS || conclusion == Conclusion.NONE) {
            return false;
        }
        RetryRule rule = rule(node, conclusion);
        if (rule == null || rule.maxAttempts() == null) {
            return false;
        }
        return sameSince(node, conclusion) < rule.maxAttempts();
    }

    private static RetryRule rule(Node node, Conclusion conclusion) {
        return node.spec().retry().get(conclusion.name().toLowerCase(Locale.ROOT));
    }

    /**
     * The attempts with {@code conclusion} since the node's latest manual retry (attempts before it do not count:
     * the budget starts again from it), counting the one ending now.
     */
    private static long sameSince(Node node, Conclusion conclusion) {
        return node.attempts().stream().skip(node.retryFrom()).filter(a -> a.conclusion() == conclusion).count() + 1;
    }
}
