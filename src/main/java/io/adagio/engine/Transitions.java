package io.adagio.engine;

import io.adagio.model.Claim;
import io.adagio.model.Conclusion;
import io.adagio.model.Event;
import io.adagio.model.EventType;
import io.adagio.model.Node;
import io.adagio.model.NodeStatus;
import io.adagio.model.Result;
import io.adagio.model.RetryRule;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The state machine of a node: claim, finish, orphan. Pure: given the facts read by a backend it says
 * what changes, and the backend applies that atomically. A finish reads only the node and the nodes
 * {@link #reads} names (its children, or on a final failure its downstream), so it costs O(degree).
 */
public final class Transitions {
    private Transitions() {
    }

    /** READY or NONE (orphaned) → RUNNING; WAITING → not ready; RUNNING or COMPLETED → not claimed. */
    public static ClaimDecision claim(Node node, Claim claim, Instant now) {
        return switch (node.status()) {
            case READY, NONE -> new ClaimDecision.Claimed(node.claimedBy(claim, now));
            case WAITING -> new ClaimDecision.NotReady();
            case RUNNING, COMPLETED -> new ClaimDecision.NotClaimed();
        };
    }

    /** Whether a finish with this result would leave the node for good (no retry allowance left). */
    public static boolean isFinal(Node node, Result result) {
        return result.conclusion() == Conclusion.SUCCESS || !retries(node, result.conclusion());
    }

    /**
     * The other nodes a finish must read: children on SUCCESS (they receive the output and may become
     * READY), every downstream node on a final failure (they are skipped), none on a retry.
     */
    public static Set<String> reads(Topology topology, Node node, Result result) {
        if (result.conclusion() == Conclusion.SUCCESS) {
            return Set.copyOf(topology.children(node.name()));
        }
        return isFinal(node, result) ? topology.downstream(node.name()) : Set.of();
    }

    /**
     * Decides a finish.
     *
     * @param others the current values of the nodes {@link #reads} named
     */
    public static FinishDecision finish(String runId, Topology topology, Node node, String claimId, Result result,
                                        Map<String, Node> others, Instant now) {
        boolean holds = node.claim() != null && node.claim().id().equals(claimId);
        if (node.status() != NodeStatus.RUNNING || !holds) {
            boolean repeated = holds && node.status() != NodeStatus.NONE && result.sameAs(node.lastAttempt());
            return repeated ? new FinishDecision.Repeated(node) : new FinishDecision.Stale(node);
        }
        List<Node> changes = new ArrayList<>();
        List<Event> events = new ArrayList<>();
        Conclusion c = result.conclusion();
        if (c == Conclusion.SUCCESS) {
            changes.add(node.withAttempt(result, NodeStatus.COMPLETED, now));
            for (String child : topology.children(node.name())) {
                // an empty output is still an input (the child must see that this parent completed)
                Node next = others.get(child).withInput(node.name(), result.output() == null ? new byte[0] : result.output());
                if (next.status() == NodeStatus.WAITING && next.inputs().keySet().containsAll(topology.parents(child))) {
                    next = next.withStatus(NodeStatus.READY);
                    events.add(new Event(EventType.NODE_READY, runId, next.spec()));
                }
                changes.add(next);
            }
        } else if (retries(node, c)) {
            Node next = node.withAttempt(result, NodeStatus.READY, now);
            changes.add(next);
            events.add(new Event(EventType.NODE_READY, runId, next.spec()));
        } else {
            changes.add(node.withAttempt(result, NodeStatus.COMPLETED, now));
            for (String name : topology.downstream(node.name())) {
                Node d = others.get(name);
                if (d.status() != NodeStatus.COMPLETED) {
                    changes.add(d.asSkipped(now));
                }
            }
        }
        return new FinishDecision.Applied(changes, events);
    }

    /**
     * Decides a finish of the node alone, for a backend that passes the finish on to other nodes in later
     * steps ({@link #propagation}): the same answer as {@link #finish}, except that {@code Applied.changes} holds
     * only the finished node. Events: NODE_READY when the node goes back to READY for a retry.
     */
    public static FinishDecision settle(String runId, Node node, String claimId, Result result, Instant now) {
        boolean holds = node.claim() != null && node.claim().id().equals(claimId);
        if (node.status() != NodeStatus.RUNNING || !holds) {
            boolean repeated = holds && node.status() != NodeStatus.NONE && result.sameAs(node.lastAttempt());
            return repeated ? new FinishDecision.Repeated(node) : new FinishDecision.Stale(node);
        }
        Conclusion c = result.conclusion();
        if (c != Conclusion.SUCCESS && retries(node, c)) {
            Node next = node.withAttempt(result, NodeStatus.READY, now);
            return new FinishDecision.Applied(List.of(next), List.of(new Event(EventType.NODE_READY, runId, next.spec())));
        }
        return new FinishDecision.Applied(List.of(node.withAttempt(result, NodeStatus.COMPLETED, now)), List.of());
    }

    /**
     * What a finished node passes on, judged from the node as it is after its finish: a COMPLETED node whose
     * latest attempt succeeded passes its output to its children; one that failed for good (and was not itself
     * skipped) skips its downstream. Empty when there is nothing to pass on (a retry, a node without children,
     * a node not completed).
     */
    public static Optional<Propagation> propagation(Topology topology, Node finished) {
        Result last = finished.lastAttempt();
        if (finished.status() != NodeStatus.COMPLETED || finished.skipped() || last == null) {
            return Optional.empty();
        }
        if (last.conclusion() == Conclusion.SUCCESS) {
            return topology.children(finished.name()).isEmpty() ? Optional.empty()
                    : Optional.of(new Propagation(finished.name(), Propagation.Kind.OUTPUT, last.output(),
                    finished.finishedAt()));
        }
        return topology.downstream(finished.name()).isEmpty() ? Optional.empty()
                : Optional.of(new Propagation(finished.name(), Propagation.Kind.SKIP, null, finished.finishedAt()));
    }

    /** A RUNNING node whose lease expired: it is in no state (NONE) and agents are told it is orphaned. */
    public static Node orphan(Node node) {
        return node.withStatus(NodeStatus.NONE);
    }

    /** The event announcing an orphaned node. */
    public static Event orphanEvent(String runId, Node node) {
        return new Event(EventType.NODE_ORPHANED, runId, node.spec());
    }

    /**
     * Whether a node that just ended with {@code conclusion} goes back to READY: its spec has a retry rule
     * for that condition and the attempts with that conclusion, counting this one, are below max_attempts.
     */
    static boolean retries(Node node, Conclusion conclusion) {
        if (conclusion == Conclusion.SUCCESS || conclusion == Conclusion.NONE) {
            return false;
        }
        RetryRule rule = node.spec().retry().get(conclusion.name().toLowerCase(Locale.ROOT));
        if (rule == null || rule.maxAttempts() == null) {
            return false;
        }
        long same = node.attempts().stream().filter(a -> a.conclusion() == conclusion).count() + 1;
        return same < rule.maxAttempts();
    }
}
